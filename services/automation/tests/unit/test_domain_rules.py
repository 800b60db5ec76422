"""Pure task rules: config validation, template policy lint, active hours, caps, pacing, fingerprints."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time

import pytest
from automation.domain.errors import InvalidInput
from automation.domain.fingerprints import fingerprint_for
from automation.domain.model import LoginState, ProfileStatus, TaskType
from automation.domain.pacing import human_delay
from automation.domain.schedule import ActiveHours, daily_cap, validate_caps, within_active_hours
from automation.domain.task_configs import (
    DEFAULT_TEMPLATE,
    InviteCreatorsConfig,
    ReplyCommentsConfig,
    parse_config,
)
from automation.domain.templates import lint_reply_template, render_reply


def test_the_seeds_example_config_is_valid_and_gets_a_default_template() -> None:
    config = parse_config(TaskType.REPLY_COMMENTS, {"max_replies": 50, "delay_seconds": 5})
    assert isinstance(config, ReplyCommentsConfig)
    assert config.max_actions == 50 and config.reply_template == DEFAULT_TEMPLATE and config.skip_replied


def test_each_bad_field_is_named_under_config() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_config(TaskType.INVITE_CREATORS, {"max_invites": 0, "commission_rate": 90})
    assert {f.field for f in caught.value.fields} == {"config.max_invites", "config.commission_rate",
                                                      "config.invitation_name"}


def test_cross_field_rules_name_the_field_they_are_about() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_config(TaskType.REPLY_REVIEWS, {"min_rating": 5, "max_rating": 1})
    assert [f.field for f in caught.value.fields] == ["config.min_rating"]


def test_delay_zero_is_allowed_and_means_no_pause() -> None:
    config = parse_config(TaskType.REPLY_MESSAGES, {"delay_seconds": 0})
    assert config.delay_seconds == 0 and human_delay(0, random.Random(1)) == 0


def test_invite_config_keeps_its_fields() -> None:
    config = parse_config(TaskType.INVITE_CREATORS, {"invitation_name": "BF", "max_invites": 7})
    assert isinstance(config, InviteCreatorsConfig) and config.max_actions == 7 and config.commission_rate == 10


@pytest.mark.parametrize("template", [
    "Por favor, mude sua avaliação!", "Ganhe um cupom se alterar a avaliação", "Give us 5 stars",
    "Please change your review", "Oi {nome}",
])
def test_templates_that_break_the_review_policy_or_use_unknown_placeholders_are_refused(template: str) -> None:
    assert lint_reply_template(template)


def test_a_polite_template_renders_with_the_buyers_first_name() -> None:
    assert lint_reply_template("Oi {buyer}, obrigado pela compra de {product}!") == ""
    assert render_reply("Oi {buyer}!", buyer="Maria Souza") == "Oi Maria!"
    assert render_reply("Oi {buyer}!", buyer="") == "Oi cliente!"


def test_human_delays_jitter_around_the_configured_pace() -> None:
    rng = random.Random(3)
    delays = [human_delay(10, rng) for _ in range(200)]
    assert min(delays) >= 6.5 and max(delays) <= 13.5 and len(set(delays)) > 150


def test_active_hours_include_windows_across_midnight() -> None:
    night = ActiveHours.parse("22:00-06:00")
    assert night is not None and night.contains(time(23, 30)) and night.contains(time(5, 59))
    assert not night.contains(time(12, 0))
    assert ActiveHours.parse("") is None
    with pytest.raises(ValueError):
        ActiveHours.parse("25:00-26:00")


def test_active_hours_are_checked_in_the_profiles_timezone() -> None:
    noon_utc = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 09:00 in São Paulo
    assert within_active_hours("08:00-10:00", "America/Sao_Paulo", noon_utc)
    assert not within_active_hours("11:00-13:00", "America/Sao_Paulo", noon_utc)
    assert within_active_hours("", "America/Sao_Paulo", noon_utc)


def test_daily_caps_default_per_task_type_and_refuse_unknown_keys() -> None:
    assert daily_cap({}, TaskType.INVITE_CREATORS) == 200
    assert daily_cap({"invite_creators": 5}, TaskType.INVITE_CREATORS) == 5
    with pytest.raises(ValueError, match="reply_all"):
        validate_caps({"reply_all": 3})
    with pytest.raises(ValueError, match="non-negative"):
        validate_caps({"reply_reviews": -1})


def test_a_profile_keeps_the_same_fingerprint_every_run() -> None:
    first = fingerprint_for("profile-1", "pt-BR", "America/Sao_Paulo")
    assert first == fingerprint_for("profile-1", "pt-BR", "America/Sao_Paulo")
    assert first.locale == "pt-BR" and "Chrome/" in first.user_agent


def test_login_states_map_to_profile_statuses() -> None:
    assert LoginState.OK.profile_status is ProfileStatus.VERIFIED
    assert LoginState.CAPTCHA.profile_status is ProfileStatus.CAPTCHA
    assert LoginState.EXPIRED.profile_status is ProfileStatus.EXPIRED
