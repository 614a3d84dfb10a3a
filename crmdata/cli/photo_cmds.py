"""``crmdata photo set|remove|get|suggest``: contact photos and company logos from scripts."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd

from . import State
from .output import echo_frame, format_option


@click.group("photo")
def photo() -> None:
    """Contact photos and company logos: set, remove, get, suggest."""


@photo.command("set")
@click.argument("contact_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--source", default="upload", show_default=True, help="Where the image came from.")
@click.pass_obj
def set_photo(state: State, contact_id: int, file: Path, source: str) -> None:
    """Give contact CONTACT_ID the image in FILE (PNG, JPEG, GIF or WebP, at most 1 MiB; - reads stdin).

    The image is fitted inside 200 x 300 px without upscaling or cropping; thumbnails of 82 and
    40 px are kept for lists. A refused image leaves the previous photo in place.
    """
    data = sys.stdin.buffer if str(file) == "-" else file
    info = state.store().set_photo(contact_id, data, source)
    click.echo(
        f"Set the photo of contact {info.contact_id}: {info.format} {info.width}x{info.height}, "
        f"{info.bytes:,} bytes (contact version {info.version}, journal entry {info.journal_id})."
    )


@photo.command("remove")
@click.argument("contact_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def remove_photo(state: State, contact_id: int, yes: bool) -> None:
    """Remove the photo of CONTACT_ID, so the default person or company image shows again."""
    store = state.store()
    if not yes:
        click.confirm(f"Remove the photo of contact {contact_id}?", abort=True)
    if store.remove_photo(contact_id):
        click.echo(f"Removed the photo of contact {contact_id}; the default image shows again.")
    else:
        click.echo(f"Contact {contact_id} has no photo; nothing to remove.")


@photo.command("get")
@click.argument("contact_id", type=int)
@click.option("--size", type=click.Choice(["big", "82", "40"]), default="big", show_default=True,
              help="The stored image (fits 200 x 300) or a list thumbnail.")
@click.option("--out", "out", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="Write the image to this file (- for standard output).")
@click.pass_obj
def get_photo(state: State, contact_id: int, size: str, out: Path | None) -> None:
    """Show or save the photo of CONTACT_ID (the default image when it has none)."""
    shown = state.store().photo(contact_id, size)
    what = "default image" if shown.is_default else f"photo (from {shown.source})"
    text = (f"Contact {contact_id}: {what}, {shown.format} {shown.width}x{shown.height}, "
            f"{len(shown.data):,} bytes")
    if out is None:
        click.echo(text + ".")
        return
    if str(out) == "-":
        sys.stdout.buffer.write(shown.data)
        sys.stdout.buffer.flush()
        click.echo(text + ".", err=True)
        return
    ext = ".png" if shown.format == "PNG" else ".jpg"
    target = out if out.suffix else out.with_suffix(ext)
    target.write_bytes(shown.data)
    click.echo(f"{text}; written to {target}.")


@photo.command("suggest")
@click.argument("contact_id", type=int)
@click.option("--gravatar-base", metavar="URL",
              help="Gravatar server (default $CRMDATA_GRAVATAR_BASE or https://www.gravatar.com).")
@click.option("--timeout", type=float, default=3.0, show_default=True, help="Seconds per request.")
@click.option("--pick", type=int, metavar="N", help="Set candidate N (from 1) as the photo.")
@format_option()
@click.pass_obj
def suggest(
    state: State, contact_id: int, gravatar_base: str | None, timeout: float, pick: int | None, fmt: str
) -> None:
    """Candidate photos for CONTACT_ID: Gravatars of its emails, images its profile pages declare."""
    store = state.store()
    found = store.photo_suggestions(contact_id, gravatar_base=gravatar_base, timeout=timeout)
    frame = pd.DataFrame(
        [
            {"n": i, "kind": x.kind, "format": x.format, "size": f"{x.width}x{x.height}",
             "bytes": len(x.data), "url": x.source_url, "found_via": x.found_via}
            for i, x in enumerate(found, 1)
        ],
        columns=["n", "kind", "format", "size", "bytes", "url", "found_via"],
    )
    echo_frame(frame, fmt)
    if pick is None:
        return
    if not 1 <= pick <= len(found):
        raise click.ClickException(
            f"There is no candidate {pick}; found {len(found)} for contact {contact_id}."
        )
    chosen = found[pick - 1]
    info = store.set_photo(contact_id, chosen.data, chosen.source_url)
    click.echo(
        f"Set the photo of contact {info.contact_id} from {chosen.source_url}: "
        f"{info.format} {info.width}x{info.height} (contact version {info.version}).",
        err=fmt != "table",  # keep CSV and JSON output parseable
    )


COMMANDS = [photo]
