"""User content on project pages: rich text sanitised with nh3 (stories, updates),
and cover images checked by what they are, not by what they claim to be: a stored
image's name and suffix come from the format Pillow detects, never from the upload's
name, so a GIF called x.html is stored (and served, web.views.project_media) as .gif."""
import uuid

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from peerfund.crowdfunding.errors import refuse

# What the story editor may produce: text structure, links, images. No scripts,
# styles, event handlers or frames; links get rel="noopener noreferrer nofollow".
RICH_TAGS = {"p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "blockquote", "ul", "ol", "li", "a", "img", "hr", "figure", "figcaption"}
RICH_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
# The suffix a stored image gets for its detected format, and the only suffixes (with
# older uploads' .jpeg) whose files are served, each with its own content type.
IMAGE_SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
SERVED_IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".gif": "image/gif"}
MAX_PIXELS = 40_000_000


def sanitise_rich_text(html: str) -> str:
    return nh3.clean(
        html or "", tags=RICH_TAGS, attributes=RICH_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


def plain_text(html: str) -> str:
    """The words of a rich text (for the banned-words check and share descriptions)."""
    return nh3.clean(html or "", tags=set()).strip()


def check_length(value: str, model, field: str) -> None:
    """Refuse text longer than the model field holds (PostgreSQL would refuse it too,
    less kindly)."""
    limit = model._meta.get_field(field).max_length
    if limit is not None and len(value) > limit:
        raise refuse(_("At most %(n)s characters.") % {"n": limit}, f"{model._meta.model_name}.{field}_length", field)


def check_web_link(url: str, field: str) -> None:
    """Only http(s) links, so a link can never run script."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise refuse(_("Enter a web address starting with http:// or https://."), "project.link", field) from None


def check_image(upload, field: str = "cover") -> str:
    """Refuse an upload that is too large or is not a JPEG, PNG, WebP or GIF image;
    return the suffix its stored name must have (from the detected format)."""
    limit = settings.PEERFUND_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise refuse(_("An image may be at most %(size)s.") % {"size": filesizeformat(limit)}, "project.image_size", field)
    try:
        with Image.open(upload) as image:
            kind = image.format
            too_big = image.width * image.height > MAX_PIXELS
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        kind, too_big = None, False
    finally:
        upload.seek(0)
    if kind not in IMAGE_FORMATS:
        raise refuse(_("Upload a JPEG, PNG, WebP or GIF image."), "project.image_type", field)
    if too_big:
        raise refuse(_("The image has too many pixels."), "project.image_pixels", field)
    return IMAGE_SUFFIXES[kind]


def image_stored_name(upload, field: str = "cover") -> str:
    """Check an image upload and return the name to store it under: random, with the
    suffix of its real format (the upload's own name is never used)."""
    return f"{uuid.uuid4().hex}{check_image(upload, field)}"
