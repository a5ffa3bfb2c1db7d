<?php
/*
 * Calls of the fulfilment service: what to do with each answer.
 */

declare(strict_types=1);

final class ApiClient
{
    /** @var array<string, float> route => time until which it is left alone after a 403 */
    private array $forbiddenUntil = [];

    public function __construct(private Settings $settings, private Http $http, private KeyProvider $keys)
    {
    }

    public function routePaused(string $route): bool
    {
        return microtime(true) < ($this->forbiddenUntil[$route] ?? 0.0);
    }

    /**
     * GET `$path` (with its query) and decode the JSON answer. Returns null when the call was
     * given up; the reason is logged then, once.
     */
    /**
     * One call: the key in the X-API-KEY header only, never in the URL; 429 and network
     * failures retried with backoff, a 403 never; a 401 answered by reading the key file once
     * more (a rotation) and retrying once, else the key is reported and calls pause.
     */
    public function call(string $method, string $path, string $route, ?array $body = null): ?array
    {
        $what = "$method $path";
        $reread = false;
        $throttled = 0;
        $failed = 0;
        $payload = $body === null ? null : json_encode($body, JSON_THROW_ON_ERROR);
        while (!stopping()) {
            if ($this->keys->paused() || $this->routePaused($route)) {
                return null;
            }
            $key = $this->keys->get();
            $headers = ["X-API-KEY: $key", 'Accept: application/json'];
            if ($payload !== null) {
                $headers[] = 'Content-Type: application/json';
            }
            try {
                $response = $this->http->send($method, $this->settings->apiUrl . $path, $headers, $payload);
            } catch (NetworkError $error) {
                if ($error->stopped) {
                    return null;
                }
                if ($error->tls) {
                    log_line('ERROR', "$what: " . $error->getMessage() . '; not retried');
                    return null;
                }
                $failed++;
                if (!$this->retryAfterNetworkFailure($what, $route, $error->getMessage(), $failed)) {
                    return null;
                }
                continue;
            }
            $status = $response->status;
            if ($status >= 200 && $status < 300) {
                $json = json_decode($response->body, true);
                if (!is_array($json)) {
                    log_line('ERROR', "$what answered $status with a body that is not a JSON object");
                    return null;
                }
                return $json;
            }
            if ($status === 401) {
                if (!$reread && $this->keys->rereadAfter401($key)) {
                    log_line('WARN', "401 Unauthorized on $route: the key file holds a new key; retrying once with it");
                    $reread = true;
                    continue;
                }
                $this->keys->reject("401 on $route");
                return null;
            }
            if ($status === 403) {
                $this->on403($what, $route);
                return null;
            }
            if ($status === 409) {
                return ['duplicate' => true]; // pushed already (an attempt that got through before a failure)
            }
            if ($status === 429) {
                $throttled++;
                if (!$this->retryAfter429($what, $route, $response->header('Retry-After'), $throttled)) {
                    return null;
                }
                continue;
            }
            if (is_transient($status)) {
                $failed++;
                if (!$this->retryAfterNetworkFailure($what, $route, "HTTP $status", $failed)) {
                    return null;
                }
                continue;
            }
            log_line('ERROR', "$what answered $status: " . substr(preg_replace('/\s+/', ' ', $response->body) ?? '', 0, 200));
            return null;
        }
        return null;
    }

    private function on403(string $what, string $route): void
    {
        $seconds = (int) round($this->settings->forbiddenCooldownMs / 1000);
        log_line('ERROR', "403 Forbidden on $what: missing role or store/market access for this API user; "
            . "not retried (fix the API user's roles or scope); leaving $route alone for $seconds s");
        $this->forbiddenUntil[$route] = microtime(true) + $this->settings->forbiddenCooldownMs / 1000;
    }

    /** Waits before the next attempt after a 429; false when the request is given up. */
    private function retryAfter429(string $what, string $route, ?string $retryAfter, int $count): bool
    {
        if ($count > MAX_429_RETRIES) {
            log_line('ERROR', "429 Too Many Requests on $what: still throttled after " . MAX_429_RETRIES
                . ' retries; giving up until the next poll');
            return false;
        }
        $retryAfterS = parse_retry_after($retryAfter);
        $wait = delay_after_429($count, $retryAfterS);
        $hint = $retryAfterS === null ? '' : " (Retry-After: $retryAfter)";
        log_line('WARN', "429 Too Many Requests on $route$hint: retry $count in " . round($wait * 1000) . ' ms');
        return pause($wait);
    }

    /**
     * Waits before the next attempt after a network error or 502/503/504; false when given up.
     * A request given up is not sent again by the next poll at once: the route is left alone
     * for NETWORK_COOLDOWN_MS, so an outage does not get the same failing request every poll.
     */
    private function retryAfterNetworkFailure(string $what, string $route, string $failure, int $attempts): bool
    {
        if ($attempts >= MAX_NETWORK_ATTEMPTS) {
            $seconds = (int) round($this->settings->networkCooldownMs / 1000);
            log_line('ERROR', "$what failed $attempts times ($failure); giving up, and leaving $route alone for $seconds s");
            $this->forbiddenUntil[$route] = microtime(true) + $this->settings->networkCooldownMs / 1000;
            return false;
        }
        $wait = backoff_delay($attempts);
        log_line('WARN', "$what failed ($failure): retry $attempts in " . round($wait * 1000) . ' ms');
        return pause($wait);
    }
}
