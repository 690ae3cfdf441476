"""A Sphinx extension for what a static page cannot do the way JupyterLab does.

- A widget (ipywidgets) needs a running kernel: in its place the page says so and points to the
  launch buttons, instead of sliders that would move nothing.
- A link from a notebook to a file outside notebooks/ (``../gru_helpers/widgets.py``,
  ``../README.md``) points into the repository on GitHub; without a repository address it is
  left as plain text rather than a link that leads nowhere.
"""

import posixpath

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def repository(config):
    """(address, branch) from the theme's options, which Jupyter Book fills from _config.yml."""
    options = config.html_theme_options
    return options.get("repository_url", ""), options.get("repository_branch", "main")


class WidgetsNeedAKernel(SphinxPostTransform):
    default_priority = 5

    def run(self, **kwargs):
        address, _ = repository(self.config)
        if address:
            where = [nodes.Text("Launch this notebook on Binder (the rocket button at the top)")]
        else:
            where = [
                nodes.Text("Run the notebook locally (clone the repository, then "),
                nodes.literal(text="make lab"),
                nodes.Text(")"),
            ]
        for raw in list(self.document.findall(nodes.raw)):
            if WIDGET_VIEW in raw.astext():
                text = (
                    "Here the notebook shows an interactive widget: it needs a running Python "
                    "kernel, which a web page does not have. "
                )
                paragraph = nodes.paragraph("", text, *where, nodes.Text(" to use it."))
                raw.replace_self(nodes.note("", paragraph))


class LinksOutsideTheNotebooks(SphinxPostTransform):
    default_priority = 5  # before MyST resolves its references (9)

    def run(self, **kwargs):
        address, branch = repository(self.config)
        docname = self.env.docname
        for node in list(self.document.findall(addnodes.pending_xref)) + list(
            self.document.findall(addnodes.download_reference)
        ):
            target = node.get("reftarget", "")
            if node.get("reftype") != "myst" or not target.startswith("../"):
                continue
            if isinstance(node, addnodes.pending_xref) and node.get("refdomain") == "doc":
                target += ".md"  # a document outside notebooks/: the README
            path = posixpath.normpath(
                posixpath.join("notebooks", posixpath.dirname(docname), target)
            )
            if address:
                link = nodes.reference(refuri=f"{address}/blob/{branch}/{path}", internal=False)
                link += node.children
                node.replace_self(link)
            else:
                node.replace_self(node.children)


def setup(app):
    app.add_post_transform(WidgetsNeedAKernel)
    app.add_post_transform(LinksOutsideTheNotebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
