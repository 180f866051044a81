"""`python -m grpo_nb STAGE key=value ...`: the command line (see `grpo_nb.cli.main`); written by
hand, as nbdev cannot export a `__main__` guard."""
from grpo_nb.cli import main

if __name__ == "__main__": main()
