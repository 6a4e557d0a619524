// The browser side of tests/browser/test_browser_gateway.py: the README's frontend (api.ts,
// taken from README.md and pointed at the test's servers when the test bundles this page)
// calls an idpool gateway on another origin. The test calls window.runGateway(input) and
// waits for window.gatewayResult.
import { notesApi } from "./api.ts";

async function answer(response) {
  const text = await response.text();
  let body = text;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, errorType: response.headers.get("x-amzn-errortype"), body };
}

async function flow(input) {
  const call = notesApi(input.identityId, input.token);
  return {
    origin: window.location.origin,
    own: await answer(await call("POST", `/notes/${input.identityId}/today`, { text: "from the page" })),
    other: await answer(await call("GET", `/notes/${input.otherId}/today`)),
    unsigned: await answer(await fetch(`${input.gateway}/notes/${input.identityId}/today`)),
  };
}

window.runGateway = (input) => {
  flow(input).then(
    (result) => { window.gatewayResult = result; },
    (error) => { window.gatewayResult = { failed: `${error.name}: ${error.message}` }; },
  ).finally(() => {
    document.getElementById("result").textContent = JSON.stringify(window.gatewayResult, null, 2);
  });
};
