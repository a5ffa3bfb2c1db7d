// One line per event: "<ISO time> <LEVEL> <message>". Messages never contain a token, a
// secret or a request header (guide, "Never expose tokens": "Do not log full tokens").

function line(level, message) {
  return `${new Date().toISOString()} ${level} ${message}`;
}

export const log = {
  info: (message) => console.log(line('INFO', message)),
  warn: (message) => console.error(line('WARN', message)),
  error: (message) => console.error(line('ERROR', message)),
};
