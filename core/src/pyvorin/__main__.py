from pyvorin.cli import main

main(prog_name="pyvorin")
