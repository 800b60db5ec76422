"""`python -m chatbot`: run the chatbot service."""

from chatbot.main import run


def main() -> None:
    run()


if __name__ == "__main__":
    main()
