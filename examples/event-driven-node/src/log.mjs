// One line per happening: "<ISO time> <level> [<topic>] <text>". Errors go to stderr.
// Nothing here ever receives a token, a secret or a header: callers pass descriptions.

function line(stream, level, topic, text) {
  stream.write(`${new Date().toISOString()} ${level} [${topic}] ${text}\n`);
}

export const log = {
  info: (topic, text) => line(process.stdout, 'info', topic, text),
  warn: (topic, text) => line(process.stdout, 'warn', topic, text),
  error: (topic, text) => line(process.stderr, 'error', topic, text),
};
