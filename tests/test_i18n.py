"""Every message key exists in every language, and no message is empty."""

from __future__ import annotations

import re

from gosmart.dashboard.i18n import LANGS, catalogue, t


def test_every_key_in_every_language():
    keys = {lang: set(catalogue(lang)) for lang in LANGS}
    union = set().union(*keys.values())
    for lang in LANGS:
        assert union - keys[lang] == set(), f"missing in {lang}"


def test_placeholders_match_across_languages():
    pattern = re.compile(r"{(\w+)}")
    for key, text in catalogue("en").items():
        for lang in LANGS:
            assert set(pattern.findall(catalogue(lang)[key])) == set(pattern.findall(text)), key
            assert catalogue(lang)[key].strip(), f"empty {lang} message {key}"


def test_translation_and_fallback():
    assert t("common.nav_compare", "zh") == "城市比較"
    assert t("common.nav_compare", "<script>") == "Compare"
    assert t("common.evidence_level", "en", level=3) == "Evidence level 3 of 5"
