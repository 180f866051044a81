"""`python -m grpo_nb STAGE key=value ...`: the command line (see `grpo_nb.study.main`); written by
hand, as nbdev cannot export a `__main__` guard."""
from grpo_nb.study import main

if __name__ == "__main__": main()
