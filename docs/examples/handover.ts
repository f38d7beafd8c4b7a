// Hand a ticket over to Tierdesk's L2 from a partner's helpdesk, typed with the types
// openapi-typescript generates from the API (see docs/api.md).
import type { components } from "./tierdesk-api";

type Schemas = components["schemas"];
type Outcome = { handedOver: Schemas["TicketDetailOut"] } | { missing: Schemas["MissingOut"][] };

export async function handOver(baseUrl: string, token: string, ticket: Schemas["TicketIn"]): Promise<Outcome> {
  const answer = await fetch(`${baseUrl}/api/v1/tickets`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
      "Idempotency-Key": crypto.randomUUID(), // a retry cannot open a second ticket
    },
    body: JSON.stringify({ ...ticket, hand_over: true } satisfies Schemas["TicketIn"]),
  });
  if (answer.status === 201) return { handedOver: (await answer.json()) as Schemas["TicketDetailOut"] };
  const error = (await answer.json()) as Schemas["RefusedOut"] | Schemas["InvalidOut"] | Schemas["ErrorOut"];
  if ("missing" in error) return { missing: error.missing }; // what L2 still needs
  throw new Error(`${answer.status} ${error.code}: ${error.message}`);
}
