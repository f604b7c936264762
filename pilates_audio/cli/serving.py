"""The commands that publish sessions and serve pages: feed, serve and studio."""

from __future__ import annotations

from pathlib import Path

import click

from pilates_audio.cli.help import Command, FilledHelp
from pilates_audio.cli.options import OUTPUT

STUDIO_PORT = 8700


def _feed_defaults() -> dict[str, str]:
    """Return the feed's default title and author, for the help of the options that override them."""
    from pilates_audio.publish.channel import DEFAULT_AUTHOR, DEFAULT_TITLE

    return {"DEFAULT_TITLE": DEFAULT_TITLE, "DEFAULT_AUTHOR": DEFAULT_AUTHOR}


@click.command(cls=Command, examples=(
    "pilates-audio feed output --base-url http://192.168.1.20:8000/",
    'pilates-audio feed output --base-url https://example.org/pilates/ --title "Mat classes"',
))
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", required=True, metavar="URL",
              help="Where the folder is served from, e.g. http://192.168.1.20:8000/ (see `serve`).")
@click.option("--title", cls=FilledHelp, names=_feed_defaults,
              help="The podcast's title (default: feed.yaml's, else '{DEFAULT_TITLE}').")
@click.option("--author", cls=FilledHelp, names=_feed_defaults,
              help="Who makes it (default: feed.yaml's, else '{DEFAULT_AUTHOR}').")
@click.option("--description", help="What it is (default: feed.yaml's, else a line about pilates-audio).")
@click.option("--image", metavar="FILE|URL",
              help="The podcast's artwork: a .jpg or .png in FOLDER, or an address (default: feed.yaml's, else the "
                   "newest session's cover).")
def feed(folder: Path, base_url: str, title: str | None, author: str | None, description: str | None,
         image: str | None) -> None:
    """Write FOLDER/feed.xml: a podcast feed of the sessions in FOLDER (channel settings from FOLDER/feed.yaml)."""
    from pilates_audio.publish.feed import write_feed

    options = {"title": title, "author": author, "description": description, "image": image}
    path, count = write_feed(folder, base_url, options)
    _warn_unreadable(folder)
    click.echo(f"{path}\t{count} session{'s' if count != 1 else ''}")


def _warn_unreadable(folder: Path) -> None:
    """Say which sessions are left out of the page and the feed because their names are not UTF-8."""
    from pilates_audio.publish.feed import unreadable_names

    for name in unreadable_names(folder):
        click.echo(f"warning: {folder / name} is left out: its file name is not UTF-8; rename it", err=True)


@click.command(cls=Command, examples=(
    "pilates-audio serve  # output/ at http://127.0.0.1:8000/",
    "pilates-audio serve --host 0.0.0.0  # for a phone on the same network",
))
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=OUTPUT)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets a phone on the same network connect.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0 picks a free one).")
def serve(folder: Path, host: str, port: int) -> None:
    """Serve FOLDER (default: output) read-only: a page with players and chapters, the files, and feed.xml."""
    from pilates_audio import web

    http = web.make_server(folder, host, port)
    _warn_unreadable(folder)
    addresses = web.urls(http, host)
    click.echo(f"serving {folder} at {addresses[0]}")
    if len(addresses) > 1:
        click.echo(f"on a phone on the same network, open {addresses[1]}")
    elif host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"on a phone on the same network, open {addresses[0]}")
    click.echo(f"podcast feed: {addresses[-1]}feed.xml  (Ctrl-C to stop)")
    try:
        http.run()
    except KeyboardInterrupt:
        pass  # the signal that stopped it, raised again once connections were closed
    click.echo("stopped", err=True)  # also where the signal was ignored (started in the background)


@click.command(cls=Command, examples=(
    "pilates-audio studio  # routines/ if there is one, else this folder",
    "pilates-audio studio my-routines -o my-sessions --no-open",
    "pilates-audio studio --host 0.0.0.0 --allow-network",
))
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=OUTPUT,
              show_default=True, help="Folder to render sessions into, in the current folder unless a path is given.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; another than this machine's needs --allow-network.")
@click.option("--allow-network", is_flag=True,
              help="Let --host be an address a phone on the same network can reach (the studio can change files).")
@click.option("--port", type=click.IntRange(0, 65535), default=STUDIO_PORT, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--open/--no-open", "open_browser", default=None,
              help="Open the page in the browser (default: open, unless CI is set or there is no display).")
def studio(folder: Path | None, out_dir: Path, host: str, allow_network: bool, port: int,
           open_browser: bool | None) -> None:
    """Write routines, tweak their pacing and hear the result, in the browser.

    FOLDER holds the routines: every .yaml file in it and the folders below (default: routines/ if there is one,
    else the current folder). Nothing is saved until Save; renders go into the output folder, which the page's
    All sessions lists, as `serve` does.
    """
    from pilates_audio.studio import app

    folder = folder if folder is not None else (Path("routines") if Path("routines").is_dir() else Path("."))
    running = app.start(folder, out_dir, host, port, allow_network)
    click.echo(f"studio for {folder} at {running.address}")
    click.echo(f"sessions are rendered into {out_dir}")
    if running.phone_address:
        click.echo(f"on a phone on the same network, open {running.phone_address}")
    elif allow_network:
        click.echo("warning: this machine has no address on a local network that a phone could open; connect it "
                   "to the Wi-Fi the phone is on and start the studio again", err=True)
    click.echo("(Ctrl-C to stop)")
    if open_browser if open_browser is not None else app.can_open_browser():
        import webbrowser

        webbrowser.open(running.address)
    try:
        running.server.run()
    except KeyboardInterrupt:
        pass
    click.echo("stopped", err=True)
