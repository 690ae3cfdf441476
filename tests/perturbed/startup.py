# IPython runs this file in every kernel whose environment names it in PYTHONSTARTUP (the
# `perturbed` nox session), before the notebook's first cell, in the notebook's namespace: so it
# binds no name there, and prints nothing. With this file's folder on sys.path while it runs, it
# imports last_bit.py beside it. A kernel that cannot install the hook exits, so that the check
# fails loudly instead of comparing unperturbed outputs. pytest imports this file too (doctests),
# where __name__ is not "__main__" and nothing happens.
if __name__ == "__main__":
    try:
        __import__("last_bit").install()
    except BaseException:
        __import__("traceback").print_exc()
        __import__("os")._exit(1)
