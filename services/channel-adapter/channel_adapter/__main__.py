"""`python -m channel_adapter`: run the channel-adapter service."""

from channel_adapter.main import run


def main() -> None:
    run()


if __name__ == "__main__":
    main()
