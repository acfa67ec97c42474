import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, registerPerson, type Client, type TestApp } from "../../test/build-test-app.js";
import {
  ALL_NOTIFICATIONS,
  callApi,
  createLinkedTestInstance,
  drainNotifications,
  flushSends,
  type TestInstance,
} from "../../test/instances.js";

let harness: TestApp;
let client: Client;
let pollster: TestInstance & { phone: string };
const voter = "79005550701";

beforeAll(async () => {
  harness = await buildTestApp();
  ({ client } = await registerPerson(harness.app));
  await client.post("/api/sandbox/phones", { number: voter });
  pollster = await createLinkedTestInstance(harness, client, "79005550700");
});
afterAll(async () => {
  await harness.close();
});

/** The pollster asks the voter's phone; answers the poll's id once it has arrived. */
async function askPoll(multipleAnswers: boolean, from: TestInstance = pollster, to = voter): Promise<string> {
  const body = { chatId: `${to}@c.us`, message: "Colour?", options: [{ optionName: "green" }, { optionName: "red" }], multipleAnswers };
  const { idMessage } = (await callApi(harness.app, from, "POST", "sendPoll", { body })).json();
  harness.clock.advance(60_000);
  await flushSends(harness);
  await drainNotifications(harness.app, pollster);
  return idMessage as string;
}

const vote = (idMessage: string, options: string[], phone = voter, peer = pollster.phone) =>
  client.post(`/api/sandbox/phones/${phone}/chats/${peer}@c.us/messages/${idMessage}/vote`, { options });

async function updatesHeard(): Promise<Array<Record<string, unknown>>> {
  return (await drainNotifications(harness.app, pollster))
    .filter((body) => (body.messageData as { typeMessage?: string } | undefined)?.typeMessage === "pollUpdateMessage")
    .map((body) => body as Record<string, unknown>);
}

describe("poll votes from sandbox phones", () => {
  it("shows the poll on the phone; each vote, a change of mind or a vote taken back reaches the instance as pollUpdateMessage", async () => {
    const poll = await askPoll(false);
    const shown = (await client.get(`/api/sandbox/phones/${voter}/chats/${pollster.phone}@c.us/messages`)).json().messages;
    expect(shown.at(-1)).toMatchObject({ idMessage: poll, poll: { options: ["green", "red"], multipleAnswers: false, myVote: null } });

    expect((await vote(poll, ["red"])).statusCode).toBe(204);
    const [first] = await updatesHeard();
    expect(first).toMatchObject({
      typeWebhook: "incomingMessageReceived",
      senderData: { chatId: `${voter}@c.us`, sender: `${voter}@c.us` },
      messageData: {
        typeMessage: "pollUpdateMessage",
        pollMessageData: {
          stanzaId: poll,
          name: "Colour?",
          votes: [
            { optionName: "green", optionVoters: [] },
            { optionName: "red", optionVoters: [`${voter}@c.us`] },
          ],
          multipleAnswers: false,
        },
      },
    });
    expect(first?.idMessage).not.toBe(poll);

    await vote(poll, ["green"]);
    expect((await updatesHeard())[0]).toMatchObject({
      messageData: {
        pollMessageData: {
          votes: [
            { optionName: "green", optionVoters: [`${voter}@c.us`] },
            { optionName: "red", optionVoters: [] },
          ],
        },
      },
    });
    const afterVote = (await client.get(`/api/sandbox/phones/${voter}/chats/${pollster.phone}@c.us/messages`)).json().messages;
    expect(afterVote.at(-1).poll.myVote).toEqual(["green"]);

    await vote(poll, []);
    expect((await updatesHeard())[0]).toMatchObject({
      messageData: { pollMessageData: { votes: [{ optionVoters: [] }, { optionVoters: [] }] } },
    });
  });

  it("takes several options only where the poll allows them, and refuses what the poll does not offer", async () => {
    const single = await askPoll(false);
    const tooMany = await vote(single, ["green", "red"]);
    expect([tooMany.statusCode, tooMany.json().fields]).toEqual([400, { options: "invalid" }]);
    expect((await vote(single, ["blue"])).statusCode).toBe(400);
    expect((await vote("NO_SUCH_POLL", ["green"])).statusCode).toBe(404);
    expect(await updatesHeard()).toEqual([]);

    const multiple = await askPoll(true);
    await vote(multiple, ["green", "red"]);
    expect((await updatesHeard())[0]).toMatchObject({
      messageData: {
        pollMessageData: {
          votes: [
            { optionName: "green", optionVoters: [`${voter}@c.us`] },
            { optionName: "red", optionVoters: [`${voter}@c.us`] },
          ],
          multipleAnswers: true,
        },
      },
    });
  });

  it("tells nothing of polls or votes while pollMessageWebhook is off", async () => {
    const quiet = await createLinkedTestInstance(harness, client, "79005550702", { ...ALL_NOTIFICATIONS, pollMessageWebhook: "no" });
    // A poll another instance sends to the quiet instance's phone is journaled, not notified.
    const { idMessage: incoming } = (
      await callApi(harness.app, pollster, "POST", "sendPoll", {
        body: { chatId: `${quiet.phone}@c.us`, message: "Lunch?", options: [{ optionName: "yes" }, { optionName: "no" }] },
      })
    ).json();
    harness.clock.advance(60_000);
    await flushSends(harness);
    expect(await drainNotifications(harness.app, quiet)).toEqual([]);
    expect(
      (await callApi(harness.app, quiet, "POST", "getMessage", { body: { chatId: `${pollster.phone}@c.us`, idMessage: incoming } })).json(),
    ).toMatchObject({
      typeMessage: "pollMessage",
    });

    const own = await askPoll(false, quiet);
    // Its own poll is not echoed either (outgoingAPIMessageReceived), while its statuses are.
    const echoed = await drainNotifications(harness.app, quiet);
    expect(echoed.map((body) => body.typeWebhook)).not.toContain("outgoingAPIMessageReceived");
    expect(echoed.map((body) => body.typeWebhook)).toContain("outgoingMessageStatus");
    expect((await vote(own, ["green"], voter, quiet.phone)).statusCode).toBe(204);
    expect(await drainNotifications(harness.app, quiet)).toEqual([]);
  });
});
