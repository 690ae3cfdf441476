"""Build the tutorial's website into build/site/ (run by `make site`).

Jupyter Book renders notebooks/README.md and the stored notebooks, without executing them, with the
settings in site/_config.yml and the table of contents in site/_toc.yml. This script adds what
those files cannot say by themselves:

- the repository's public address, from pyproject.toml's [project.urls] Repository (the one place
  it is kept), and with it the Binder and Colab buttons; without an address, a banner on every
  page says how to run the notebooks locally instead;
- MathJax from a Python package, served with the site, so equations render with no CDN;
- site/static/site.css, which widens the page so that 99-character code lines fit, and gives
  two texts the contrast WCAG asks for (the banner's code, a search term in dark mode);
- site/templates/, two of the theme's buttons with accessible names that match what they show
  (WCAG 2.5.3, which tests/test_site.py audits with axe-core).
"""

import importlib.metadata
import pathlib
import shutil
import subprocess
import sys
import tomllib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
SITE = BUILD / "site"
BINDER = "https://mybinder.org"
COLAB = "https://colab.research.google.com"
# The parts of MathJax 3 the pages load: the TeX-to-HTML bundle, its fonts, and the TeX
# extensions it loads on demand (the rest of the package, 24 MB, is never requested).
MATHJAX_FILES = ["tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions"]
RUN_LOCALLY = (
    "This site has no public repository address yet, so it has no Binder or Colab buttons. "
    "To run the notebooks: clone the repository, then <code>make lab</code>."
)


def repository_address():
    """pyproject.toml's [project.urls] Repository, or None (as tests/test_binder.py reads it)."""
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("urls", {})
    return next((url for key, url in urls.items() if key.lower() == "repository"), None)


def copy_mathjax(destination):
    """Copy MathJax's files from the sphinx-mathjax-offline package into destination/mathjax."""
    package = importlib.metadata.distribution("sphinx-mathjax-offline")
    source = pathlib.Path(package.locate_file("sphinx-mathjax-offline/static/mathjax"))
    for name in MATHJAX_FILES:
        if (source / name).is_dir():
            shutil.copytree(source / name, destination / "mathjax" / name)
        else:
            (destination / "mathjax" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, destination / "mathjax" / name)


def config(address, static):
    """site/_config.yml with the repository's address (or the banner) and local MathJax."""
    settings = yaml.safe_load((ROOT / "site" / "_config.yml").read_text())
    settings["repository"]["url"] = (address or "").rstrip("/").removesuffix(".git")
    if address:
        settings["launch_buttons"].update(binderhub_url=BINDER, colab_url=COLAB)
        settings["html"]["use_repository_button"] = True
    else:
        settings["html"]["announcement"] = RUN_LOCALLY
    extensions = settings["sphinx"]["local_extensions"]  # paths relative to site/
    extensions.update({name: str(ROOT / "site" / path) for name, path in extensions.items()})
    settings["sphinx"]["config"].update(
        html_static_path=[str(static), str(ROOT / "site" / "static")],
        html_css_files=["site.css"],
        templates_path=[str(ROOT / "site" / "templates")],  # before the theme's own components
        mathjax_path="mathjax/tex-chtml.js",
    )
    return settings


def main():
    work = BUILD / "jupyter-book"  # built afresh each time: no page of a removed notebook stays
    shutil.rmtree(work, ignore_errors=True)
    copy_mathjax(work / "static")
    (work / "_config.yml").write_text(
        yaml.safe_dump(config(repository_address(), work / "static"), sort_keys=False)
    )
    jupyter_book = pathlib.Path(sys.executable).parent / "jupyter-book"
    command = [jupyter_book, "build", ROOT / "notebooks", "--config", work / "_config.yml"]
    command += ["--toc", ROOT / "site" / "_toc.yml", "--path-output", work]
    subprocess.run([str(part) for part in command], check=True)
    shutil.rmtree(SITE, ignore_errors=True)
    shutil.copytree(work / "_build" / "html", SITE)
    print(f"The site is in {SITE.relative_to(ROOT)}/: open {SITE / 'index.html'}")


if __name__ == "__main__":
    main()
