import pytest

from pilates_audio.format import Duration, format_clock, parse_duration


@pytest.mark.parametrize(
    "text, expected",
    [
        ("20s", Duration(20, "s")),
        ("1m", Duration(60, "s")),
        ("1m30s", Duration(90, "s")),
        ("1m 30s", Duration(90, "s")),
        ("1h", Duration(3600, "s")),
        ("1h30m", Duration(5400, "s")),
        ("2.5s", Duration(2.5, "s")),
        (45, Duration(45, "s")),
        (7.5, Duration(7.5, "s")),
        ("45", Duration(45, "s")),
        ("3 breaths", Duration(3, "breaths")),
        ("1 breath", Duration(1, "breaths")),
        ("1.5 breaths", Duration(1.5, "breaths")),
        ("0.5 breath", Duration(0.5, "breaths")),
        ("  4 Breaths ", Duration(4, "breaths")),
    ],
)
def test_durations_parse_in_every_documented_form(text, expected):
    assert parse_duration(text) == expected


def test_breaths_scale_with_the_breath_length():
    assert Duration(3, "breaths").seconds(8.0) == 24.0
    assert Duration(1.5, "breaths").seconds(10.0) == 15.0
    assert Duration(20, "s").seconds(8.0) == 20.0


@pytest.mark.parametrize(
    "value, message",
    [
        ("3 breathz", "'3 breathz' is not a duration; use seconds (20s), minutes (1m, 1m30s), a number of seconds, or breaths (3 breaths)"),
        ("", "'' is not a duration; use seconds (20s), minutes (1m, 1m30s), a number of seconds, or breaths (3 breaths)"),
        ("-5s", "'-5s' is negative; durations must be more than zero"),
        (0, "'0' must be more than zero"),
        (-3, "'-3' must be more than zero"),
        ("0 breaths", "'0 breaths' must be more than zero"),
        (True, "expected a duration: seconds (20s), minutes (1m, 1m30s), a number of seconds, or breaths (3 breaths)"),
        (None, "expected a duration: seconds (20s), minutes (1m, 1m30s), a number of seconds, or breaths (3 breaths)"),
    ],
)
def test_bad_durations_say_what_is_accepted(value, message):
    with pytest.raises(ValueError) as info:
        parse_duration(value)
    assert str(info.value) == message


def test_breaths_can_be_refused_where_they_make_no_sense():
    with pytest.raises(ValueError) as info:
        parse_duration("2 breaths", breaths_allowed=False)
    assert str(info.value) == "'2 breaths' cannot be counted in breaths; use seconds (4s)"


def test_zero_is_allowed_only_when_asked_for():
    assert parse_duration("0s", zero_allowed=True) == Duration(0, "s")


def test_clock_format():
    assert format_clock(0) == "0:00"
    assert format_clock(312.48) == "5:12"
    assert format_clock(3725) == "1:02:05"
