"""The ``edit`` of ``PATCH /api/v1/images/{id}``: what was sent, merged with the image's current
edit (only the keys sent change), and the service's refusals under the API's field names."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from imageapp.services.edits import CropBox, EditedImage, FocalPoint, ImageEdit
from imageapp.services.ids import MAX_ID

# Any int a database column holds: whether it fits the image is the service's to say.
Pixels = Annotated[int, Field(ge=-MAX_ID, le=MAX_ID)]
# The service's field names (the no-JS form's) as the API names them.
API_FIELDS = {
    "rotate": "edit.rotate",
    "crop_x": "edit.crop.x",
    "crop_y": "edit.crop.y",
    "crop_width": "edit.crop.width",
    "crop_height": "edit.crop.height",
    "focal_x": "edit.focal.x",
    "focal_y": "edit.focal.y",
}


class CropIn(BaseModel):
    """A rectangle of the upright original (before the rotation), in pixels."""

    model_config = ConfigDict(extra="forbid")

    x: Pixels
    y: Pixels
    width: Pixels
    height: Pixels


class FocalIn(BaseModel):
    """A pixel of the upright original (inside the crop when there is one)."""

    model_config = ConfigDict(extra="forbid")

    x: Pixels
    y: Pixels


class EditIn(BaseModel):
    """Keys sent replace the current ones (``null``: no crop / no focal point); keys left out
    stay. ``rotate``: degrees clockwise, 0, 90, 180 or 270."""

    model_config = ConfigDict(extra="forbid")

    rotate: Pixels | None = Field(default=None, description="0, 90, 180 or 270 (clockwise)")
    crop: CropIn | None = None
    focal: FocalIn | None = None

    def merged(self, current: ImageEdit) -> ImageEdit:
        sent = self.model_fields_set
        crop, focal = self.crop, self.focal
        return ImageEdit(
            rotate=self.rotate if "rotate" in sent and self.rotate is not None else current.rotate,
            crop=(CropBox(crop.x, crop.y, crop.width, crop.height) if crop else None)
            if "crop" in sent
            else current.crop,
            focal=(FocalPoint(focal.x, focal.y) if focal else None)
            if "focal" in sent
            else current.focal,
        )


class CropOut(BaseModel):
    x: int
    y: int
    width: int
    height: int


class FocalOut(BaseModel):
    x: int
    y: int


class EditOut(BaseModel):
    rotate: int = Field(description="Degrees clockwise, after the crop.")
    crop: CropOut | None = Field(description="Pixels of the upright original, before rotating.")
    focal: FocalOut | None = Field(description="A pixel of the upright original.")
    width: int = Field(description="The edited picture's width: what renditions are made of.")
    height: int = Field(description="The edited picture's height.")


def edit_out(edited: EditedImage) -> EditOut:
    edit = edited.edit
    crop, focal = edit.crop, edit.focal
    return EditOut(
        rotate=edit.rotate,
        crop=CropOut(x=crop.x, y=crop.y, width=crop.width, height=crop.height) if crop else None,
        focal=FocalOut(x=focal.x, y=focal.y) if focal else None,
        width=edited.edited_width,
        height=edited.edited_height,
    )


def api_errors(errors: dict[str, str]) -> dict[str, str]:
    return {API_FIELDS.get(field, f"edit.{field}"): message for field, message in errors.items()}
