"""course_pkg.data: offline datasets for the course.

- :func:`load_text`, :func:`available_texts`, :func:`text_info`: English texts shipped inside the
  package (checked against a SHA-256) for character-level language models.
"""

from course_pkg.data.text import TextChecksumError, TextInfo, available_texts, load_text, text_info

__all__ = ["TextChecksumError", "TextInfo", "available_texts", "load_text", "text_info"]
