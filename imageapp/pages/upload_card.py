"""One card of the upload page: progress while uploading, then preview and form, or why not."""

# State attributes are Vars at class level and component factories return Any: mypy reads
# them as plain values, so these codes only produce noise in page modules.
# mypy: disable-error-code="no-any-return, arg-type, attr-defined, operator, index, misc"

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar, Var

from imageapp.pages.components import described_by_error, field_error
from imageapp.pages.upload_queue import FilePicker, TusUpload, cancel_upload
from imageapp.state import upload_cards as cards_
from imageapp.state.upload import UploadState
from imageapp.state.upload_cards import UploadCard


def card_header(card: ObjectVar[UploadCard]) -> rx.Component:
    return rx.hstack(
        rx.icon("file-image", size=18, color="var(--gray-10)", flex_shrink="0"),
        rx.text(
            card.filename,
            weight="medium",
            size="2",
            style={"overflow": "hidden", "text_overflow": "ellipsis", "white_space": "nowrap"},
            title=card.filename,
        ),
        rx.spacer(),
        rx.text(card.size_label, size="1", color_scheme="gray", flex_shrink="0"),
        align="center",
        width="100%",
        spacing="2",
    )


def progress_bar(card: ObjectVar[UploadCard], size: str = "2") -> rx.Component:
    return rx.progress(
        value=card.progress,
        max=100,
        size=size,
        aria_label=f"Upload progress of {card.filename}",
        class_name="upload-progress",
    )


def uploading(card: ObjectVar[UploadCard]) -> rx.Component:
    """Queued, uploading or checking: the bar, the percentage, and Cancel."""
    label = rx.match(
        card.status,
        (cards_.QUEUED, "Waiting to start…"),
        (cards_.CHECKING, "Checking the image…"),
        "Uploading…",
    )
    return rx.vstack(
        rx.center(
            rx.cond(
                card.status == cards_.CHECKING,
                rx.spinner(size="3"),
                rx.icon("cloud-upload", size=36, color="var(--accent-9)"),
            ),
            width="100%",
            height="10rem",
            background="var(--gray-a2)",
            border_radius="var(--radius-3)",
        ),
        rx.hstack(
            rx.text(label, size="2", class_name="upload-state"),
            rx.spacer(),
            rx.text(f"{card.progress} %", size="2", weight="medium", class_name="progress-label"),
            width="100%",
        ),
        rx.cond(
            card.resumed_from > 0,
            rx.text(
                f"Resuming from {card.resumed_from}%",
                size="1",
                color_scheme="gray",
                class_name="upload-resumed",
            ),
        ),
        progress_bar(card),
        rx.button(
            rx.icon("x", size=16),
            "Cancel upload",
            variant="soft",
            color_scheme="gray",
            on_click=[cancel_upload(card.key), UploadState.cancel_card(card.key)],
        ),
        # Sends this card's file to the tus server (once) and reports back; shows a line
        # of its own only while the network is gone.
        TusUpload.create(
            upload_key=card.key,
            file_ref=card.ref,
            chunk_size=UploadState.upload_chunk_bytes,
            on_progress=lambda report: UploadState.upload_progress(card.key, report),
            on_resuming=lambda report: UploadState.upload_resuming(card.key, report),
            on_finished=lambda report: UploadState.upload_finished(card.key, report),
            on_failed=lambda report: UploadState.upload_failed(card.key, report),
            on_lost=lambda report: UploadState.upload_lost(card.key, report),
        ),
        spacing="3",
        width="100%",
    )


def field(
    card: ObjectVar[UploadCard],
    name: str,
    label: str,
    *,
    required: bool = False,
    multiline: bool = False,
    hint: str = "",
) -> rx.Component:
    """A labelled input whose error (from the metadata check) is shown right under it."""
    input_id = f"{name}-" + card.key
    error = card.errors[name].to(str)
    control = (rx.text_area if multiline else rx.input)(
        id=input_id,
        value=getattr(card, name),
        on_change=lambda value: UploadState.set_field(card.key, name, value),
        placeholder=hint,
        **described_by_error(error, input_id),
        aria_required="true" if required else "false",
        color_scheme=rx.cond(error, "red", "gray"),
        variant="surface",
        width="100%",
        **({"rows": "2", "resize": "vertical"} if multiline else {}),
    )
    return rx.vstack(
        rx.el.label(
            label,
            rx.cond(required, rx.text.span(" *", color="var(--red-11)", aria_hidden="true")),
            html_for=input_id,
            style={"font_size": "var(--font-size-2)", "font_weight": "500"},
        ),
        control,
        field_error(error, input_id),
        spacing="1",
        width="100%",
    )


def gallery_field(card: ObjectVar[UploadCard]) -> rx.Component:
    """Optionally, the gallery this image goes into once complete (placed last)."""
    error = card.errors["gallery_id"].to(str)
    trigger_id = "gallery-" + card.key
    return rx.cond(
        UploadState.galleries.length() > 0,
        rx.vstack(
            rx.text("Add to gallery", size="2", weight="medium", as_="div"),
            rx.select.root(
                rx.select.trigger(
                    id=trigger_id,
                    aria_label="Add to gallery",
                    width="100%",
                    **described_by_error(error, trigger_id),
                ),
                rx.select.content(gallery_options()),
                value=card.gallery,
                on_change=lambda value: UploadState.set_gallery(card.key, value),
            ),
            field_error(error, trigger_id),
            spacing="1",
            width="100%",
            class_name="gallery-field",
        ),
    )


def gallery_options() -> rx.Component:
    """ "No gallery", then the store's galleries (for a card's select and the batch one)."""
    return rx.fragment(
        rx.select.item("No gallery", value=cards_.NO_GALLERY),
        rx.foreach(
            UploadState.galleries, lambda choice: rx.select.item(choice.label, value=choice.value)
        ),
    )


def replace_button(card: ObjectVar[UploadCard], label: str) -> rx.Component:
    return FilePicker.create(
        rx.button(rx.icon("refresh-cw", size=16), label, variant="soft", color_scheme="gray"),
        on_files=lambda chosen: UploadState.replace_card(card.key, chosen),
        multiple=False,
        accept=cards_.ACCEPT,
        label=label,
    )


def duplicate_notice(card: ObjectVar[UploadCard]) -> rx.Component:
    """The very same file is in the library already: say so; keeping it anyway is fine."""
    return rx.cond(
        card.duplicates.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("copy")),
            rx.callout.text(
                "Already in your library: ",
                rx.foreach(
                    card.duplicates,
                    lambda image: rx.link(image.title, href=image.url, margin_right="0.5rem"),
                ),
                "Complete to keep it anyway, or Cancel.",
            ),
            color_scheme="blue",
            size="1",
            width="100%",
            class_name="duplicate-notice",
        ),
    )


def save_error(card: ObjectVar[UploadCard]) -> rx.Component:
    """Why the last Complete failed when no single field is to blame (the upload is kept)."""
    return rx.cond(
        card.message != "",
        rx.callout(
            card.message,
            icon="triangle-alert",
            color_scheme="red",
            role="alert",
            width="100%",
            class_name="save-error",
        ),
    )


def ready(card: ObjectVar[UploadCard]) -> rx.Component:
    """The preview and the metadata form of a pending upload."""
    saving = card.status == cards_.SAVING
    return rx.vstack(
        rx.center(
            rx.image(
                src=card.preview_url,
                alt="Preview of " + card.filename,
                max_height="14rem",
                max_width="100%",
                object_fit="contain",
                class_name="upload-preview",
            ),
            width="100%",
            height="14rem",
            background="var(--gray-a3)",
            border_radius="var(--radius-3)",
            overflow="hidden",
        ),
        rx.hstack(
            rx.icon("circle-check", size=14, color="var(--green-10)"),
            rx.text("Uploaded · ", card.details, size="1", color_scheme="gray"),
            align="center",
            spacing="1",
        ),
        rx.cond(
            card.privacy != "",
            rx.hstack(
                rx.icon("shield-check", size=14, color="var(--green-10)", aria_hidden="true"),
                rx.text(card.privacy, size="1", color_scheme="gray", class_name="privacy-line"),
                align="center",
                spacing="1",
            ),
        ),
        progress_bar(card, size="1"),
        duplicate_notice(card),
        field(card, "title", "Title", required=True),
        field(card, "alt_text", "Alt text", required=True, hint="What the image shows"),
        field(card, "description", "Description", multiline=True),
        rx.grid(
            field(card, "slug", "Slug", hint="made from the title"),
            field(card, "tags", "Tags", hint="comma separated"),
            columns="2",
            spacing="3",
            width="100%",
        ),
        gallery_field(card),
        save_error(card),
        rx.flex(
            rx.button(
                rx.cond(saving, rx.spinner(size="1"), rx.icon("check", size=16)),
                rx.cond(saving, "Saving…", "Complete"),
                on_click=UploadState.complete_card(card.key),
                disabled=saving,
            ),
            replace_button(card, "Replace with a different image"),
            rx.button(
                "Cancel",
                variant="ghost",
                color_scheme="red",
                on_click=UploadState.cancel_card(card.key),
                disabled=saving,
            ),
            wrap="wrap",
            spacing="2",
            align="center",
        ),
        spacing="3",
        width="100%",
    )


def refused(card: ObjectVar[UploadCard]) -> rx.Component:
    """Step 1 said no: the specific reason, and a way to try another file."""
    return rx.vstack(
        rx.callout(
            card.message,
            icon="triangle-alert",
            color_scheme="red",
            width="100%",
            class_name="upload-error",
        ),
        rx.flex(
            rx.cond(
                card.resumable,
                replace_button(card, "Choose the file again"),
                replace_button(card, "Choose a different image"),
            ),
            rx.button(
                "Remove",
                variant="ghost",
                color_scheme="gray",
                on_click=UploadState.cancel_card(card.key),
            ),
            wrap="wrap",
            spacing="2",
            align="center",
        ),
        spacing="3",
        width="100%",
    )


def upload_card(card: ObjectVar[UploadCard]) -> rx.Component:
    body = rx.match(
        card.status,
        (cards_.READY, cards_.SAVING, ready(card)),
        (cards_.REFUSED, refused(card)),
        uploading(card),
    )
    return rx.card(
        rx.vstack(card_header(card), body, spacing="3", width="100%"),
        key=card.key,
        class_name="upload-card",
        custom_attrs={"data-filename": card.filename, "data-status": card.status},
        role="group",
        aria_label=Var.create("Upload of ") + card.filename,
    )
