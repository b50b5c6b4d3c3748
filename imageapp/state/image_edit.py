"""State of the image page's "Edit" section: a pending rotation, the crop box (from the
cropper or typed), the focal point (a click on the picture or typed), saved or reset
through the edits use case. The fields are strings as typed; the use case reads them."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from imageapp import urls
from imageapp.config import get_settings
from imageapp.db import get_engine
from imageapp.services.edits import EditedImage, read_edit
from imageapp.services.usecases import edits as actions
from imageapp.state.identity import current_user, to_login
from imageapp.state.image_detail import ImageDetailState, image_id_in


def _read(store_id: int, image_id: int) -> EditedImage | None:
    return read_edit(get_engine(), store_id=store_id, image_id=image_id)


def _edit(store_id: int, image_id: int, action: str, fields: dict[str, str]) -> Any:
    return actions.edit_image(
        get_engine(),
        get_settings(),
        store_id=store_id,
        image_id=image_id,
        action=action,
        fields=fields,
    )


def _number(text: str, default: int = 0) -> int:
    try:
        return int(text.strip())
    except ValueError:
        return default


class ImageEditState(rx.State):
    """The edit being made on the page; nothing is stored until Save (or Reset)."""

    image_id: int = 0
    ready: bool = False
    source_url: str = ""  # the upright original, unedited: what the crop box lies over
    original_width: int = 0
    original_height: int = 0
    rotate: int = 0
    saved_rotate: int = 0
    ratio: str = "free"
    crop_x: str = ""
    crop_y: str = ""
    crop_width: str = ""
    crop_height: str = ""
    focal_x: str = ""
    focal_y: str = ""
    errors: dict[str, str] = {}
    message: str = ""
    # Changed when typed numbers should move the crop box: the cropper starts anew from them.
    cropper_key: int = 0
    # "Free": the box keeps the ratio it had when chosen or typed (the cropper's own rounding
    # must not feed back into its ratio).
    free_aspect: float = 1.0
    # The saved edit the fields were built from: Save only lands if the image still has it.
    _edit_version: str = ""

    @rx.event
    async def load_edit(self) -> Any:
        """The saved edit of the image the URL names (nothing for another store's)."""
        user = await current_user(self)
        if user is None:
            return to_login(self)
        image_id = image_id_in(self.router.url.path)
        edited = await asyncio.to_thread(_read, user.store_id, image_id) if image_id else None
        self.errors, self.message, self.ratio = {}, "", "free"
        self._show(edited)
        return None

    def _show(self, edited: EditedImage | None) -> None:
        self.ready = edited is not None
        if edited is None:
            self.image_id = 0
            return
        self.image_id = edited.image_id
        self.source_url = urls.media_preview(edited.image_id)
        self.original_width, self.original_height = edited.original_width, edited.original_height
        values = actions.form_values(edited)
        self._edit_version = actions.edit_version(edited.edit)
        self.rotate = self.saved_rotate = edited.edit.rotate
        self.crop_x, self.crop_y = values["crop_x"], values["crop_y"]
        self.crop_width, self.crop_height = values["crop_width"], values["crop_height"]
        self.focal_x, self.focal_y = values["focal_x"], values["focal_y"]
        self._restart_cropper()

    def _restart_cropper(self) -> None:
        width = _number(self.crop_width, self.original_width) or 1
        height = _number(self.crop_height, self.original_height) or 1
        self.free_aspect = max(width, 1) / max(height, 1)
        self.cropper_key += 1

    @rx.event
    def rotate_left(self) -> None:
        self.rotate = (self.rotate + 270) % 360

    @rx.event
    def rotate_right(self) -> None:
        self.rotate = (self.rotate + 90) % 360

    @rx.event
    def set_ratio(self, ratio: str) -> None:
        """The cropper takes the new ratio at once and reports its new box."""
        self.ratio = ratio if ratio in dict(actions.RATIO_CHOICES) else "free"
        if self.ratio == "free":
            self._restart_cropper()

    @rx.event
    def crop_complete(self, area: dict[str, Any]) -> None:
        """The cropper's box in natural pixels of the upright original, kept inside it."""
        width = min(max(1, round(area.get("width", 0))), self.original_width)
        height = min(max(1, round(area.get("height", 0))), self.original_height)
        x = min(max(0, round(area.get("x", 0))), self.original_width - width)
        y = min(max(0, round(area.get("y", 0))), self.original_height - height)
        self.crop_x, self.crop_y, self.crop_width, self.crop_height = (
            str(x),
            str(y),
            str(width),
            str(height),
        )
        self.errors = {k: v for k, v in self.errors.items() if not k.startswith("crop_")}

    @rx.event
    def set_field(self, name: str, value: str) -> None:
        if name in (*actions.CROP_FIELDS, *actions.FOCAL_FIELDS):
            setattr(self, name, value)

    @rx.event
    def move_cropper(self) -> None:
        """Typed crop numbers (on leaving the field): the box follows them."""
        self._restart_cropper()

    @rx.event
    def pick_focal(self, fraction_x: float, fraction_y: float) -> None:
        """A click on the picture at these fractions of its shown size."""
        width, height = self.original_width, self.original_height
        self.focal_x = str(min(max(0, int(fraction_x * width)), width - 1))
        self.focal_y = str(min(max(0, int(fraction_y * height)), height - 1))
        self.errors = {k: v for k, v in self.errors.items() if not k.startswith("focal_")}

    @rx.event
    async def save(self) -> Any:
        return await self._apply("save")

    @rx.event
    async def reset_edit(self) -> Any:
        return await self._apply("reset")

    async def _apply(self, action: str) -> Any:
        user = await current_user(self)
        if user is None:
            return to_login(self)
        fields = {
            "rotate": str(self.rotate),
            "ratio": "free",  # the box is already the cropper's, in the chosen ratio
            "crop_x": self.crop_x,
            "crop_y": self.crop_y,
            "crop_width": self.crop_width,
            "crop_height": self.crop_height,
            "focal_x": self.focal_x,
            "focal_y": self.focal_y,
            "edit_version": self._edit_version,
        }
        outcome = await asyncio.to_thread(_edit, user.store_id, self.image_id, action, fields)
        if isinstance(outcome, actions.EditRefused):
            self.errors, self.message = outcome.errors, outcome.message
            return None
        if isinstance(outcome, actions.EditClashed):  # another window saved: show its edit
            self._show(outcome.current)
            self.errors, self.message = {}, outcome.message
            return ImageDetailState.load_image
        if isinstance(outcome, actions.EditGone):
            self.errors, self.message = {}, outcome.message
            self._show(None)
            return None
        self.errors, self.message = {}, outcome.message
        self._show(outcome.edited)
        return ImageDetailState.load_image  # the page's picture: the new renditions

    @rx.var
    def aspect(self) -> float:
        """The cropper's ratio on the unrotated original: a quarter turn swaps the
        finished picture's ratio; "free" keeps the current box's."""
        wanted = actions.RATIOS.get(self.ratio)
        if wanted is None:
            return self.free_aspect
        ratio_w, ratio_h = wanted if self.rotate % 180 == 0 else wanted[::-1]
        return ratio_w / ratio_h

    @rx.var
    def initial_area(self) -> dict[str, int]:
        """Where the cropper starts: the current box (the whole picture when unreadable)."""
        width = _number(self.crop_width, self.original_width) or self.original_width
        height = _number(self.crop_height, self.original_height) or self.original_height
        return {
            "x": _number(self.crop_x),
            "y": _number(self.crop_y),
            "width": width,
            "height": height,
        }

    @rx.var
    def has_focal(self) -> bool:
        return bool(self.focal_x.strip() and self.focal_y.strip())

    @rx.var
    def focal_left(self) -> str:
        """The marker's place on the picture, in percent of its width."""
        return f"{100 * _number(self.focal_x) / max(self.original_width, 1):.2f}%"

    @rx.var
    def focal_top(self) -> str:
        return f"{100 * _number(self.focal_y) / max(self.original_height, 1):.2f}%"

    @rx.var
    def rotation_text(self) -> str:
        pending = " (not saved yet)" if self.rotate != self.saved_rotate else ""
        return f"Rotation: {self.rotate}°{pending}"

    @rx.var
    def crop_text(self) -> str:
        return (
            f"Crop: {self.crop_width or '?'} × {self.crop_height or '?'} pixels "  # noqa: RUF001
            f"at {self.crop_x or '?'}, {self.crop_y or '?'} "
            f"of {self.original_width} × {self.original_height}"  # noqa: RUF001
        )
