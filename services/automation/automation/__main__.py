"""`python -m automation`: run the automation service."""

from automation.main import run


def main() -> None:
    run()


if __name__ == "__main__":
    main()
