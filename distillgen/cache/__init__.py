"""The build cache, ``.distillgen-cache/`` beside the output: every key and every entry.

What is in it, and who reads it:

=================  ===========================================================  ============
entry              holds                                                        read
=================  ===========================================================  ============
``manifest``       the last build's input and output fingerprints and summary   every build
``index``          the site index (:mod:`.index`): sources, post summaries,     once a build
                   generated pages
``pages/<sha>``    every built page's bytes (:mod:`.blobs`), hard-linked into   when
                   the output                                                   published
``renders``        full renders in packs (:mod:`.renders`)                      a template
                                                                                changed
``trees``          what each output tree holds (:mod:`.trees`)                  when writing
``twins/``         the output's twin, one generation behind (:mod:`.trees`)     when writing
``bib``            parsed ``.bib`` files by content                             a .bib
                                                                                changed
``templates``      compiled templates                                           every build
=================  ===========================================================  ============

Keys are made in :mod:`.keys` only. Every entry is written whole (a temporary file renamed
into place) and checked when read, so a killed build, a full disk or a damaged file costs a
rebuild, never a wrong site; a cache that cannot be written makes the build start again
without one (:class:`CacheUnwritable`). The cache is never written through a link.
"""

from .store import Cache, CacheUnwritable, digest, usable

__all__ = ["Cache", "CacheUnwritable", "digest", "usable"]
