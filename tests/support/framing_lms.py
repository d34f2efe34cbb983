"""A test LMS that frames the tool from another site, with or without platform storage.

The LMS's pages are served by the local HTTP server at http://localhost:<port>, the tool by the
live server at http://127.0.0.1:<port>: two sites, so the tool's frame is a third-party context
and the browser keeps none of its ordinary cookies. The course page frames the tool's login
(the LMS's third-party initiated login) and, with storage, adds the hidden frame Canvas calls
`post_message_forwarding`, which implements the platform's side of 1EdTech's "Platform Storage"
exactly as the spec defines it: each request names a `subject` and `message_id`; the answer
goes to the sender's window with the sender's origin as target origin, with the subject plus
`.response`, the same `message_id`, the `key` and the `value`, or an `error` object with a
`code` and a `message`; values are kept apart per sender origin. Its authorisation endpoint
signs the launch and posts it to the tool's launch URL, as an LMS does.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, replace
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Request, Response

from app.demo_lms.platform import LmsUser
from tests.support.lms import COURSE, LINK, LocalLms

STORAGE_FRAME = "post_message_forwarding"

# The platform's side of the postMessages; `received` keeps what arrived, for the test to read.
# With `tamper` set (by the page that runs it), it answers get_data with another login's value.
STORAGE_SCRIPT = """
var stored = {};
var received = [];
window.addEventListener("message", function (event) {
  var data = event.data;
  if (!data || typeof data !== "object" || typeof data.subject !== "string") { return; }
  received.push({ origin: event.origin, data: data });
  var mine = stored[event.origin] = stored[event.origin] || {};
  var reply = { subject: data.subject + ".response", message_id: data.message_id };
  if (data.subject === "lti.capabilities") {
    reply.supported_messages = [
      { subject: "lti.capabilities" },
      { subject: "lti.put_data", frame: "FRAME" },
      { subject: "lti.get_data", frame: "FRAME" }
    ];
  } else if (data.subject !== "lti.put_data" && data.subject !== "lti.get_data") {
    reply.error = { code: "unsupported_subject", message: "Unsupported subject " + data.subject };
  } else if (typeof data.key !== "string" || !data.key) {
    reply.error = { code: "bad_request", message: "The request names no key" };
  } else if (data.subject === "lti.put_data") {
    mine[data.key] = data.value;
    reply.key = data.key;
    reply.value = data.value;
  } else {
    reply.key = data.key;
    if (data.key in mine) { reply.value = tamper ? "another login's value" : mine[data.key]; }
  }
  event.source.postMessage(reply, event.origin);
});
""".replace("FRAME", STORAGE_FRAME)

# The course page adds the tool's frame once the storage frame listens, as an LMS page would
# have it ready before any tool loads.
COURSE_PAGE = """<!doctype html><html lang="en"><title>Course</title><h1>IMR course</h1>
{storage}<div id="tool"></div>
<script>
function openTool() {{
  var frame = document.createElement("iframe");
  frame.name = "tool-frame"; frame.width = "1100"; frame.height = "900";
  frame.src = {login_url};
  document.getElementById("tool").appendChild(frame);
}}
{opener}
</script></html>"""
STORAGE_IFRAME = '<iframe name="{name}" src="{src}" hidden onload="openTool()"></iframe>'

AUTO_POST = """<!doctype html><html lang="en"><title>Signing in</title>
<form method="post" action="{action}">{fields}</form>
<script>document.forms[0].submit();</script></html>"""


@dataclass
class FramingLms:
    """The test LMS's course page, storage frame and authorisation endpoint."""

    lms: LocalLms
    users: dict[str, LmsUser]

    @classmethod
    def serve(cls, lms: LocalLms, tool: str, users: list[LmsUser]) -> FramingLms:
        """Point the LMS at the tool on `tool` and serve its pages."""
        lms.platform = replace(
            lms.platform,
            tool_login_url=f"{tool}/lti/login",
            tool_launch_url=f"{tool}/lti/launch",
            tool_jwks_url=f"{tool}/lti/jwks",
        )
        framing = cls(lms, {user.sub: user for user in users})
        base = lms.platform.issuer
        server = lms.server
        server.expect_request(_path(base, "/course")).respond_with_handler(framing._course)
        server.expect_request(_path(base, "/storage")).respond_with_handler(_storage_frame)
        server.expect_request(_path(base, "/auth")).respond_with_handler(framing._authorise)
        return framing

    def course_url(self, user: LmsUser, storage: str = STORAGE_FRAME, tamper: bool = False) -> str:
        """The course page that launches the tool for `user`.

        `storage` is the `lti_storage_target` it sends: its hidden storage frame's name,
        `_parent` (the course page itself answers), or "" for an LMS without platform storage.
        """
        query = {"user": user.sub, "storage": storage, "tamper": int(tamper)}
        return f"{self.lms.platform.issuer}/course?{urlencode(query)}"

    def _course(self, request: Request) -> Response:
        user = self.users[request.args["user"]]
        login = self.lms.platform.login_initiation(user, LINK)
        target = request.args.get("storage", "")
        tamper = "true" if request.args.get("tamper") == "1" else "false"
        storage, opener = "", "openTool();"
        if target == STORAGE_FRAME:
            src = f"storage?tamper={request.args.get('tamper', '0')}"
            storage, opener = STORAGE_IFRAME.format(name=STORAGE_FRAME, src=src), ""
        elif target == "_parent":
            opener = f"var tamper = {tamper};{STORAGE_SCRIPT}openTool();"
        if target:
            login["lti_storage_target"] = target
        login_url = f"{self.lms.platform.tool_login_url}?{urlencode(login)}"
        page = COURSE_PAGE.format(storage=storage, login_url=json.dumps(login_url), opener=opener)
        return Response(page, content_type="text/html")

    def _authorise(self, request: Request) -> Response:
        params = dict(request.args)
        fields = self.lms.platform.launch(params, self.users[params["login_hint"]], COURSE, LINK)
        inputs = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in fields.items()
        )
        action = html.escape(params["redirect_uri"])
        return Response(AUTO_POST.format(action=action, fields=inputs), content_type="text/html")


def _path(issuer: str, tail: str) -> str:
    return urlsplit(issuer).path + tail


def _storage_frame(request: Request) -> Response:
    tamper = "true" if request.args.get("tamper") == "1" else "false"
    script = f"var tamper = {tamper};{STORAGE_SCRIPT}"
    page = f'<!doctype html><html lang="en"><title>storage</title><script>{script}</script>'
    return Response(page, content_type="text/html")
