from idpool.cli import main

main()
