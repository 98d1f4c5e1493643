"""Japanese text rules that more than one package needs: the bottom layer, importing nothing of ours.

Layering, bottom to top: `jtext` < `schedules` < `lookup` < `ivr`. Whatever two of those need to
agree on about Japanese text lives here, once:
- `scripts`: width, hiragana/katakana, what counts as kanji, the dashes people type between digits;
- `vowels`: the one vowel-row table and which vowel lengthens which (オウ, エイ, doubled vowels);
- `folds`: every comparison key and text fold, as named variants, each saying why it differs;
- `openjtalk`: the one pyopenjtalk wrapper (imported quietly, memoized);
- `written_numbers`: plates, serials and phone numbers as written or transcribed.
"""
