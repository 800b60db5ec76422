"""SECRETS_KEY rotation: with the new key first and the old one after, credentials sealed with the old key
still open, new ones are sealed with the new key, and `rotate` re-encrypts a stored value for the new key."""

from __future__ import annotations

import pytest
from automation.adapters.secrets import SecretBox

OLD, NEW = "the old passphrase long enough", "the new passphrase that replaces it"
CREDENTIALS = {"login": "seller@example.com", "password": "hunter2"}


def test_old_secrets_stay_readable_after_a_rotation_and_rotate_moves_them_to_the_new_key() -> None:
    stored = SecretBox(OLD).seal(CREDENTIALS)
    rotated = SecretBox(f"{NEW},{OLD}")
    assert rotated.open(stored) == CREDENTIALS
    assert SecretBox(NEW).open(rotated.seal(CREDENTIALS)) == CREDENTIALS  # new data: the first key
    moved = rotated.rotate(stored)
    assert SecretBox(NEW).open(moved) == CREDENTIALS
    with pytest.raises(ValueError, match="SECRETS_KEY"):
        SecretBox(OLD).open(moved)


def test_spaces_around_the_listed_keys_are_ignored() -> None:
    assert SecretBox(f" {OLD} ").open(SecretBox(OLD).seal(CREDENTIALS)) == CREDENTIALS
