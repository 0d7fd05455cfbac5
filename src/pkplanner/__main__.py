from pkplanner.cli import main

main()
