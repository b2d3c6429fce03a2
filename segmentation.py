"""Words of a text, in every language our customers write.

Thai, Lao, Khmer and Burmese, Chinese and Japanese put no space between words:
PostgreSQL's text search parser takes a whole Thai or Chinese phrase for one
word, so "กระดาษติด" (paper jam) is never found inside "เครื่องพิมพ์มีกระดาษติดบ่อย".
ICU's word break iterator (PyICU) finds the words of those scripts with the
dictionaries of the Unicode Consortium's ICU library, and the words of every
other script by the Unicode word boundary rules (UAX #29), in one pass.

The knowledge base and the ticket search index and query the same words, given
by ``segment``. Without PyICU, the desk keeps working as before segmentation:
runs of letters between spaces and punctuation are the words, so a Thai or
Chinese word is only found at the start of a phrase, and a warning says so
(``MISSING_MESSAGE``, in the server log and in the settings).

Why ICU rather than PyThaiNLP for Thai and jieba for Chinese: one dependency
covers the six scripts; it is C++ and segments about ten times faster than
either (measured on the same Thai and Chinese texts); and both the articles and
the queries go through it, so what matters for search is that it splits a word
the same way in a sentence and alone, which the recall test set measures
(tests/data/knowledge_recall, ``make bench``).
"""

import logging
import re
import threading
import unicodedata

from markupsafe import Markup, escape

_logger = logging.getLogger(__name__)

try:
    import icu
except ImportError:  # degrade: see MISSING_MESSAGE
    icu = None

# Odoo language codes (their part before "_") written without spaces between words
UNSPACED_LANGUAGES = frozenset({"th", "lo", "km", "my", "zh", "ja"})
# a character of those scripts: Thai, Lao, Myanmar, Khmer, Hiragana/Katakana, CJK
UNSPACED_SCRIPT_PATTERN = (
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u19e0-\u19ff\u3040-\u30ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]"
)
_UNSPACED_SCRIPT = re.compile(UNSPACED_SCRIPT_PATTERN)
# ICU's rule status of a word break: below 100, spaces, punctuation and symbols
_ICU_WORD_STATUS = 100

MISSING_MESSAGE = (
    "PyICU is not installed: Thai, Chinese and Japanese words are only found at the start of a "
    "phrase, in the knowledge base and the ticket search. Install it (pip install PyICU) and "
    "upgrade Service Desk to index the words inside sentences."
)

_local = threading.local()


def is_available():
    """Whether words of languages without spaces are found (PyICU installed)."""
    return icu is not None


def engine():
    """The name and version of what segments, to know when an index was built by another."""
    return f"icu-{icu.ICU_VERSION}" if icu is not None else "none"


def is_unspaced_language(lang):
    """Whether ``lang`` (an Odoo code such as th_TH) writes words without spaces."""
    return (lang or "").split("_")[0].lower() in UNSPACED_LANGUAGES


def has_unspaced_script(text):
    return bool(_UNSPACED_SCRIPT.search(text or ""))


def split_runs(text):
    """Runs of letters, marks and digits: the words of languages that put spaces
    (or punctuation) between them. Thai vowel and tone marks are marks, not
    separators, unlike with the ``\\w`` of Python's re."""
    runs, current = [], []
    for char in text or "":
        if unicodedata.category(char)[0] in "LMN":
            current.append(char)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def _word_iterator():
    iterator = getattr(_local, "iterator", None)
    if iterator is None:
        # the root locale: ICU picks the dictionary by script, whatever the language
        iterator = _local.iterator = icu.BreakIterator.createWordInstance(icu.Locale.getRoot())
    return iterator


def _icu_words(text):
    iterator = _word_iterator()
    # ICU counts in UTF-16 units: slice the UnicodeString, not the Python str
    utext = icu.UnicodeString(text)
    iterator.setText(utext)
    words = []
    start = iterator.first()
    for end in iterator:
        if iterator.getRuleStatus() >= _ICU_WORD_STATUS:
            # "3.5" or "router's" are one ICU word: letters and digits only are kept
            words.extend(split_runs(str(utext[start:end])))
        start = end
    return words


def segment(text):
    """The words of ``text`` in reading order, in any script."""
    if not text:
        return []
    if icu is not None and has_unspaced_script(text):
        return _icu_words(text)
    return split_runs(text)


def segmented_text(text):
    """``text`` with one space between its words, for PostgreSQL's parser."""
    return " ".join(segment(text))


def query_terms(text, max_terms=10, max_length=50, max_words=32):
    """What a search box holds, as terms to match: one term per run of the
    query (between spaces or punctuation), each the list of its words, which
    stand next to each other in what matches (a Thai or Chinese run is one
    term of several words). Bounded: ``max_terms`` terms, ``max_words`` words
    in all, each word cut at ``max_length`` characters."""
    terms, count = [], 0
    for run in split_runs(text)[:max_terms]:
        words = [word[:max_length] for word in segment(run)][: max_words - count]
        if not words:
            break
        terms.append(words)
        count += len(words)
    return terms


# Words so common in Thai and Chinese that any article holds them: PostgreSQL's
# `simple` configuration, which these languages are searched with, keeps them,
# so a search for any of the query's words leaves them out (as the english,
# spanish... configurations leave out "the", "de"...).
_THAI_STOPWORDS = (
    "ที่ และ การ ของ ใน ให้ ได้ เป็น มี จะ ว่า กับ แล้ว หรือ ก็ นี้ นั้น ซึ่ง โดย จาก ความ อยู่ เพื่อ ไป มา ถ้า แต่ ยัง ต้อง อย่าง ค่ะ ครับ กรุณา"
)
_CHINESE_STOPWORDS = "的了和是在也就都而及与或着把被让给从到对这那个之其时会可以请您我你吗呢吧啊一"
STOPWORDS = frozenset(_THAI_STOPWORDS.split()) | frozenset(_CHINESE_STOPWORDS)


def without_stopwords(terms):
    """``terms`` without the words in STOPWORDS, unless nothing would be left."""
    kept = [[word for word in term if word.casefold() not in STOPWORDS] for term in terms]
    kept = [term for term in kept if term]
    return kept or terms


def tsquery_text(terms, operator="&"):
    """A to_tsquery() text matching ``terms`` (from ``query_terms``): the words
    of a term follow each other (``<->``), terms are joined by ``operator``,
    and the last word is the one being typed: it matches as a prefix. Words
    are letters, marks and digits only, so quoting them is safe."""
    phrases = [[f"'{word}'" for word in term] for term in terms]
    phrases[-1][-1] += ":*"
    return f" {operator} ".join("(" + " <-> ".join(words) + ")" if len(words) > 1 else words[0] for words in phrases)


def _same_word(word, query_word):
    """A word of the text matches a word of the query when they are equal, or
    when one begins the other and the shorter has three letters or more (the
    word being typed, or a plural or other ending the search's stemming took)."""
    if word == query_word:
        return True
    return min(len(word), len(query_word)) >= 3 and (word.startswith(query_word) or query_word.startswith(word))


def matched_spans(text, terms):
    """(start, end) of the words of ``text`` that the query's ``terms`` match."""
    query_words = {word.casefold() for term in terms for word in term}
    spans, position = [], 0
    for word in segment(text):
        start = text.find(word, position)
        if start < 0:
            continue
        position = start + len(word)
        folded = word.casefold()
        if any(_same_word(folded, query_word) for query_word in query_words):
            spans.append((start, position))
    return spans


def highlight(text, terms, max_length=None):
    """``text`` as HTML with the words the query matched in ``<mark>``; cut to
    about ``max_length`` characters around the first of them when longer."""
    text = text or ""
    spans = matched_spans(text, terms) if terms else []
    start, end = 0, len(text)
    if max_length and len(text) > max_length:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - max_length // 4, len(text) - max_length))
        end = start + max_length
    parts, position = [], start
    if start:
        parts.append("…")
    for span_start, span_end in spans:
        if span_start < position or span_end > end:
            continue
        parts.append(escape(text[position:span_start]))
        parts.append(Markup("<mark>%s</mark>") % text[span_start:span_end])
        position = span_end
    parts.append(escape(text[position:end]))
    if end < len(text):
        parts.append("…")
    return Markup("").join(parts)


if icu is None:
    _logger.warning(MISSING_MESSAGE)
