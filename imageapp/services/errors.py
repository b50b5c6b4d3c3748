"""Typed errors of the domain. Every message is safe and useful to show a person."""

from __future__ import annotations

from collections.abc import Mapping


class ImageAppError(Exception):
    """Base of every error a UI shows: ``code`` for programs and tests, ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class UploadRejected(ImageAppError):
    """Step 1 refused the file; nothing of it was kept."""


class UploadNotFound(ImageAppError):
    """The pending upload expired, was cleaned up, or belongs to someone else."""

    def __init__(self) -> None:
        super().__init__(
            "upload_not_found",
            "Your upload expired or was not found; please upload the image again.",
        )


class FormInvalid(ImageAppError):
    """A form was refused; ``errors`` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str], code: str = "form_invalid") -> None:
        super().__init__(code, "Please correct the highlighted fields.")
        self.errors = dict(errors)


class MetadataInvalid(FormInvalid):
    """Step 2 refused the metadata."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(errors, "metadata_invalid")


class GalleryUnavailable(MetadataInvalid):
    """Step 2 named a gallery the store does not have (any more); the upload stays pending."""

    MESSAGE = "That gallery no longer exists or is not one of your store's; choose another."

    def __init__(self, gallery_id: int) -> None:
        super().__init__({"gallery_id": self.MESSAGE})
        self.gallery_id = gallery_id
