"""Uploads that cannot script: an image's stored name comes from its real format, and
project media are served only as the image they are (issue 16, item 1).

The attack: a GIF whose comment holds HTML, uploaded as `x.html`. Pillow opens it, so
it passes the image check; stored under its own name and served as text/html on our
origin, its script ran with the viewer's session."""
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from peerfund.tests_support.crowdfunding import draft_project

pytestmark = pytest.mark.django_db

SCRIPT = b"<html><body><script>fetch('/api/v1/me').then(r=>r.text()).then(t=>document.title=t)</script></body></html>"


def polyglot_gif() -> bytes:
    """A valid GIF image whose comment extension carries an HTML page with a script."""
    buffer = io.BytesIO()
    Image.new("P", (8, 8), 3).save(buffer, "GIF", comment=SCRIPT)
    data = buffer.getvalue()
    assert SCRIPT in data  # the page really rides inside the image
    return data


def assert_served_as_gif(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;") and ".gif" in disposition and ".html" not in disposition
    assert b"".join(response.streaming_content).startswith(b"GIF8")


def test_polyglot_story_image_named_html_is_stored_and_served_as_gif(project_owner, api_client_for):
    project = draft_project(project_owner)
    client = api_client_for(project_owner)
    upload = SimpleUploadedFile("x.html", polyglot_gif(), content_type="text/html")
    response = client.post(f"/api/v1/crowdfunding/mine/{project.pk}/story-images", {"image": upload})
    assert response.status_code == 201
    url = response.json()["url"]
    assert url.startswith("/media/projects/story/") and url.endswith(".gif") and "x.html" not in url
    assert_served_as_gif(url)


def test_polyglot_cover_uploaded_on_the_page_is_stored_as_gif(project_owner, client):
    project = draft_project(project_owner)
    client.force_login(project_owner)
    form = {"title": project.title, "summary": project.summary, "category": project.category_id, "goal": "1000",
            "duration_days": project.duration_days, "allow_no_reward": "on",
            "cover": SimpleUploadedFile("x.html", polyglot_gif(), content_type="text/html")}
    saved = client.post(f"/projects/mine/{project.pk}/edit/basics/", form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    project.refresh_from_db()
    assert project.cover.name.startswith("projects/") and project.cover.name.endswith(".gif")
    assert "x" != project.cover.name.rsplit("/", 1)[1].split(".")[0]  # a random name, not the upload's
    assert_served_as_gif(project.cover.url)


def test_upload_that_is_not_an_image_is_refused_with_a_field_error(project_owner, api_client_for, client):
    project = draft_project(project_owner)
    page = SimpleUploadedFile("x.gif", SCRIPT, content_type="image/gif")
    refused = api_client_for(project_owner).post(f"/api/v1/crowdfunding/mine/{project.pk}/story-images", {"image": page})
    assert refused.status_code == 400
    body = json.loads(refused.content)
    assert body["code"] == "project.image_type" and body["extra"]["field"] == "image" and "JPEG" in body["message"]

    folder = f"projects/story/{project.pk}"
    before = default_storage.listdir(folder)[1] if default_storage.exists(folder) else []
    client.force_login(project_owner)
    form = {"story": "<p>故事</p>", "image": SimpleUploadedFile("story.png", b"MZ\x90\x00" * 50, content_type="image/png")}
    shown = client.post(f"/projects/mine/{project.pk}/edit/story/", form).content.decode()
    assert 'data-testid="image-error"' in shown
    assert (default_storage.listdir(folder)[1] if default_storage.exists(folder) else []) == before  # nothing stored


@pytest.mark.parametrize("name", ["old/x.html", "old/x.svg", "old/x.js", "old/noext"])
def test_project_media_serves_only_image_types(name):
    """A file already under media/projects/ (an older upload) with any other suffix is
    never served."""
    stored = default_storage.save(f"projects/{name}", ContentFile(polyglot_gif()))
    assert Client().get(f"/media/{stored}").status_code == 404


def test_project_image_content_type_follows_the_suffix():
    stored = default_storage.save("projects/old/cover.jpeg", ContentFile(b"\xff\xd8\xff\xe0 not checked here"))
    response = Client().get(f"/media/{stored}")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
