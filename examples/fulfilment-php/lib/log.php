<?php
/*
 * One line per event: "<UTC time> <LEVEL> <message>". INFO goes to stdout, WARN and ERROR
 * to stderr. Never a token, a secret or a request header (guide, "Never expose tokens":
 * "Do not log full tokens"): callers pass only methods, paths, statuses and counts.
 */

declare(strict_types=1);

function log_line(string $level, string $message): void
{
    $now = DateTimeImmutable::createFromFormat('U.u', sprintf('%.6F', microtime(true)));
    $stamp = $now->setTimezone(new DateTimeZone('UTC'))->format('Y-m-d\TH:i:s.v\Z');
    $stream = $level === 'INFO' ? STDOUT : STDERR;
    fwrite($stream, "$stamp $level $message\n");
    fflush($stream);
}
