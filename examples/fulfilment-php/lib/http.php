<?php
/*
 * One HTTP exchange with cURL: certificate checked, a deadline on every request, the
 * response headers read with CURLOPT_HEADERFUNCTION, network failures classified.
 */

declare(strict_types=1);

final class Response
{
    /** @param array<string, string> $headers lower-case names; the last value of each */
    public function __construct(public int $status, public array $headers, public string $body)
    {
    }

    public function header(string $name): ?string
    {
        return $this->headers[strtolower($name)] ?? null;
    }
}

final class NetworkError extends RuntimeException
{
    /** @param bool $tls the server's certificate was not trusted: retrying cannot help */
    public function __construct(string $message, public bool $tls = false, public bool $stopped = false)
    {
        parent::__construct($message);
    }
}

/** cURL errors that mean "the certificate is not trusted" (unknown CA, wrong host name, expired). */
const CURL_TLS_TRUST_ERRORS = [51, 58, 60, 77, 83, 90, 91];

final class Http
{
    /** One handle for the whole run, so the TLS connection is kept and reused. */
    private CurlHandle $curl;

    public function __construct(private Settings $settings)
    {
        $this->curl = curl_init();
    }

    /**
     * @param string[] $headers "Name: value" lines
     * @throws NetworkError when no HTTP response came (reset, refused, timeout, TLS)
     */
    public function send(string $method, string $url, array $headers = [], ?string $body = null): Response
    {
        $curl = $this->curl;
        curl_reset($curl); // options of the previous request gone; the connection stays
        $received = [];
        $timeoutMs = $this->settings->requestTimeoutMs;
        $options = [
            CURLOPT_URL => $url,
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => $headers,
            CURLOPT_FOLLOWLOCATION => false,
            // HTTPS only, also for any redirect (there are none: we do not follow them).
            CURLOPT_PROTOCOLS => CURLPROTO_HTTPS,
            // TLS verification stays on. Never CURLOPT_SSL_VERIFYPEER false: the client
            // secret would go to whoever answers on that address (checklist token.tls-verified).
            CURLOPT_SSL_VERIFYPEER => true,
            CURLOPT_SSL_VERIFYHOST => 2,
            // A deadline on every request: connecting, and the whole exchange, body included.
            // A response that never comes is abandoned and its connection closed.
            CURLOPT_CONNECTTIMEOUT_MS => $timeoutMs,
            CURLOPT_TIMEOUT_MS => $timeoutMs,
            CURLOPT_NOSIGNAL => true, // millisecond timeouts without SIGALRM
            CURLOPT_HEADERFUNCTION => static function ($handle, string $line) use (&$received): int {
                $length = strlen($line);
                if (preg_match('#^HTTP/\S+\s+\d{3}#', $line)) {
                    $received = []; // a new response (after a 100 Continue): start over
                } elseif (str_contains($line, ':')) {
                    [$name, $value] = explode(':', $line, 2);
                    $received[strtolower(trim($name))] = trim($value);
                }
                return $length;
            },
            // Called several times a second during a transfer: a SIGTERM is noticed here
            // (pcntl runs the handler between PHP instructions) and the transfer aborted.
            CURLOPT_NOPROGRESS => false,
            CURLOPT_XFERINFOFUNCTION => static fn (): int => stopping() ? 1 : 0,
        ];
        if ($this->settings->caFile !== '') {
            // PHP's curl extension ignores CURL_CA_BUNDLE: the harness's CA is given here.
            $options[CURLOPT_CAINFO] = $this->settings->caFile;
        }
        if ($body !== null) {
            $options[CURLOPT_POSTFIELDS] = $body;
        } elseif ($method === 'POST' || $method === 'PUT') {
            $options[CURLOPT_POSTFIELDS] = '';
        }
        curl_setopt_array($curl, $options);
        $content = curl_exec($curl);
        if ($content === false) {
            $errno = curl_errno($curl);
            $error = curl_error($curl);
            if (stopping()) {
                throw new NetworkError('stopped', stopped: true);
            }
            if (in_array($errno, CURL_TLS_TRUST_ERRORS, true)) {
                throw new NetworkError("TLS certificate of the server not trusted (curl $errno: $error); nothing was sent", tls: true);
            }
            if ($errno === CURLE_OPERATION_TIMEDOUT) {
                throw new NetworkError("no response within {$timeoutMs} ms (curl $errno)");
            }
            throw new NetworkError("curl $errno: $error");
        }
        return new Response((int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE), $received, (string) $content);
    }

    public function close(): void
    {
        curl_close($this->curl);
    }
}

function is_transient(int $status): bool
{
    return $status === 502 || $status === 503 || $status === 504;
}
