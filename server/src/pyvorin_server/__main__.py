from pyvorin_server.cli import main

main()
