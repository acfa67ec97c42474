import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { createSigningSecret, standardWebhookHeaders } from "./webhook-signature.js";

describe("Standard Webhooks signatures", () => {
  const body = JSON.stringify({ typeWebhook: "incomingMessageReceived", timestamp: 1_764_417_600 });
  const now = Math.floor(Date.now() / 1000);

  it("verify with the reference library, which reads the secret as whsec_ and base64", () => {
    const secret = createSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const headers = standardWebhookHeaders([secret], "msg_1", now, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it("carry both signatures during a rotation, so receivers on either secret accept the request", () => {
    const [newer, older] = [createSigningSecret(), createSigningSecret()];
    const headers = standardWebhookHeaders([newer, older], "msg_2", now, body);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(newer).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(older).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(createSigningSecret()).verify(body, headers)).toThrow();
  });

  it("fail verification when the body, the id or the timestamp was changed on the way", () => {
    const secret = createSigningSecret();
    const headers = standardWebhookHeaders([secret], "msg_3", now, body);
    const receiver = new Webhook(secret);
    expect(() => receiver.verify(body.replace("incoming", "outgoing"), headers)).toThrow();
    expect(() => receiver.verify(body, { ...headers, "webhook-id": "msg_4" })).toThrow();
    expect(() => receiver.verify(body, { ...headers, "webhook-timestamp": String(now + 1) })).toThrow();
  });
});
