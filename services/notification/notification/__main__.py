"""`python -m notification`: run the notification service."""

from notification.main import run


def main() -> None:
    run()


if __name__ == "__main__":
    main()
