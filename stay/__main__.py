from stay.cli import main

main()
