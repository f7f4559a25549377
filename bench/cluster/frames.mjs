// The notification frames and bus message of the channel measurement, built the way the server
// builds them (apps/server/src/notify/Encode.ts: encodeShared, recipientId, encodeNotificationFrame;
// apps/server/src/cluster/bus/redisBus.ts: the message of one call). The server's dist bundles
// these without exporting them, so the few template lines are repeated here; keep them in step.

const q = JSON.stringify

/** The shared part of one notify call, as encodeShared serializes it (frames of about 300 bytes). */
export const SHARED =
  `,"type":"comment","title":${q("New comment")}` +
  `,"content":${q({ text: "Ada replied: ship it after lunch" })}` +
  `,"url":"/posts/4812","icon":null,"image":null` +
  `,"data":{"postId":4812},"createdAt":"2026-12-02T14:00:00.000Z"`

/** The id of recipient `index` of the call with id stem `stem` (Encode.ts recipientId). */
export const recipientId = (stem, index) => `ntf_${stem}_${index.toString(36)}`

/** One recipient's `notification` frame (Encode.ts encodeNotificationFrame). */
export const notificationFrame = (seq, id, user, shared) =>
  `{"type":"notification","seq":${seq},"notification":{"id":${q(id)},"user":${q(user)}${shared},"seenAt":null,"readAt":null}}`

/** The bus message of one call to `users` at `seqs` from node `node` (redisBus.ts Message). */
export const busMessage = (node, app, stem, users, seqs) =>
  JSON.stringify({ n: node, a: app, c: [stem, SHARED, users, seqs] })

/** The per-user channel of `user` in `app` (the design not taken). */
export const userChannel = (app, user) => `pushback:u:${app}:${user}`

/** The one bus channel (redisBus.ts BUS_CHANNEL). */
export const BUS_CHANNEL = "pushback:bus"
