<?php
/*
 * The API token: requested with the secret in a form-encoded body, kept in memory only,
 * renewed before it expires. Guide, "Token Management": "Cache and reuse tokens ... Request
 * a new one only when the current one is close to expiring or has been rejected with 401
 * Unauthorized." and "Check expiry proactively. Decode the JWT and read the exp claim ... or
 * track the expiresIn value from the token response."
 */

declare(strict_types=1);

const DOCUMENTED_LIFETIME_S = 864000; // Omnium's tokens live 10 days
const MAX_NETWORK_ATTEMPTS = 4;       // network errors and 502/503/504: attempts in all

/** The token endpoint refused the credentials (wrong secret, user deactivated). */
final class TokenRejected extends RuntimeException
{
    public function __construct(public int $status)
    {
        parent::__construct("token endpoint answered $status");
    }
}

/** No token could be had for another reason (network, 5xx, unreadable answer): logged already. */
final class TokenUnavailable extends RuntimeException
{
}

final class TokenProvider
{
    private ?string $token = null; // memory only: never written to a file, never logged
    private float $renewAt = 0.0;
    private float $expiresAt = 0.0;
    private float $pausedUntil = 0.0;

    public function __construct(private Settings $settings, private Http $http)
    {
    }

    /** API calls are paused because the API user was rejected. */
    public function paused(): bool
    {
        return microtime(true) < $this->pausedUntil;
    }

    /**
     * The token to use now: the cached one while it is fresh, else a new one.
     * @throws TokenRejected|TokenUnavailable
     */
    public function get(): string
    {
        // BREAK: token.cached-and-reused — a new token before every API call.
        $cacheBroken = $this->settings->broken('token.cached-and-reused');
        if (!$cacheBroken && $this->token !== null && microtime(true) < $this->renewAt) {
            return $this->token;
        }
        try {
            return $this->fetch();
        } catch (TokenUnavailable $error) {
            // Renewal failed, but the current token is still valid: keep working with it.
            if ($this->token !== null && microtime(true) < $this->expiresAt) {
                log_line('WARN', 'token renewal failed; using the current token until it expires');
                return $this->token;
            }
            throw $error;
        }
    }

    /**
     * A new token, after `$rejected` got 401. Guide: "Request a new token and retry the
     * original request once."
     * @throws TokenRejected|TokenUnavailable
     */
    public function renewAfter401(string $rejected): string
    {
        if ($this->token !== null && $this->token !== $rejected) {
            return $this->token; // replaced meanwhile (cannot happen in this single loop, but cheap)
        }
        $this->token = null;
        return $this->fetch();
    }

    /**
     * Guide: "If the second attempt also returns 401, the credentials themselves may be
     * invalid — log the error and alert your team instead of retrying in a loop."
     */
    public function reject(string $how): void
    {
        $seconds = (int) round($this->settings->authCooldownMs / 1000);
        log_line('ERROR', "API user rejected ($how): check that the API user is active and its secret is current; "
            . "pausing API calls for $seconds s");
        $this->token = null;
        $this->pausedUntil = microtime(true) + $this->settings->authCooldownMs / 1000;
    }

    /** @throws TokenRejected|TokenUnavailable */
    private function fetch(): string
    {
        [$clientId, $clientSecret] = $this->settings->credentials();
        $issued = microtime(true);
        try {
            $answer = $this->request($clientId, $clientSecret);
        } catch (TokenRejected $error) {
            // A rotated secret may have been written to the credential files meanwhile:
            // try the new one once before giving up.
            if ($this->settings->credentials() === [$clientId, $clientSecret]) {
                throw $error;
            }
            log_line('INFO', 'credentials changed since the token request; trying the new ones');
            [$clientId, $clientSecret] = $this->settings->credentials();
            $issued = microtime(true);
            $answer = $this->request($clientId, $clientSecret);
        }
        [$token, $expiresIn] = $answer;
        $lifetime = usable_seconds(lifetime_seconds($token, $expiresIn));
        $this->token = $token;
        $this->renewAt = $issued + renew_after_seconds($lifetime);
        $this->expiresAt = $issued + $lifetime;
        log_line('INFO', 'got a new API token, usable for ' . round($lifetime) . ' s');
        return $token;
    }

    /**
     * POST /api/token. The secret goes in a form-encoded body, never in the URL, which
     * proxies and access logs keep (checklist token.secret-in-body).
     *
     * @return array{0: string, 1: ?float} the token and its expiresIn
     * @throws TokenRejected|TokenUnavailable
     */
    private function request(string $clientId, string $clientSecret): array
    {
        $form = ['grant_type' => 'client_credentials', 'clientId' => $clientId, 'clientSecret' => $clientSecret];
        $url = $this->settings->apiUrl . '/api/token?returnAsJson=true';
        $body = http_build_query($form);
        // BREAK: token.secret-in-body — clientId and clientSecret in the query string, no body.
        if ($this->settings->broken('token.secret-in-body')) {
            $url .= '&' . http_build_query($form);
            $body = null;
        }
        $headers = ['Content-Type: application/x-www-form-urlencoded', 'Accept: application/json'];
        $throttled = 0;
        for ($attempt = 1; ; $attempt++) {
            try {
                $response = $this->http->send('POST', $url, $headers, $body);
                if ($response->status === 200) {
                    return parse_token_answer($response);
                }
                if (in_array($response->status, [401, 403], true)) {
                    throw new TokenRejected($response->status);
                }
                if ($response->status === 429) {
                    // Omnium does not rate-limit /api/token, but a proxy in front of it may:
                    // the same backoff as for API calls, not counted as a network failure.
                    $throttled++;
                    if ($throttled > MAX_429_RETRIES) {
                        log_line('ERROR', 'token request: still throttled after ' . MAX_429_RETRIES . ' retries; skipping this poll');
                        throw new TokenUnavailable('429');
                    }
                    $retryAfter = $response->header('Retry-After');
                    $wait = delay_after_429($throttled, parse_retry_after($retryAfter));
                    log_line('WARN', '429 Too Many Requests on POST /api/token' . ($retryAfter === null ? '' : " (Retry-After: $retryAfter)")
                        . ": retry $throttled in " . round($wait * 1000) . ' ms');
                    if (!pause($wait)) {
                        throw new TokenUnavailable('stopped');
                    }
                    $attempt--;
                    continue;
                }
                if (!is_transient($response->status)) {
                    log_line('ERROR', "token request failed: the token endpoint answered {$response->status}");
                    throw new TokenUnavailable("token endpoint answered {$response->status}");
                }
                $failure = "the token endpoint answered {$response->status}";
            } catch (NetworkError $error) {
                if ($error->stopped) {
                    throw new TokenUnavailable('stopped');
                }
                if ($error->tls) {
                    log_line('ERROR', 'token request: ' . $error->getMessage());
                    throw new TokenUnavailable($error->getMessage());
                }
                $failure = $error->getMessage();
            }
            if ($attempt >= MAX_NETWORK_ATTEMPTS) {
                log_line('ERROR', "token request failed $attempt times ($failure); skipping this poll");
                throw new TokenUnavailable($failure);
            }
            $wait = backoff_delay($attempt);
            log_line('WARN', "token request failed ($failure): retry $attempt in " . round($wait * 1000) . ' ms');
            if (!pause($wait)) {
                throw new TokenUnavailable('stopped');
            }
        }
    }
}

/**
 * @return array{0: string, 1: ?float}
 * @throws TokenUnavailable
 */
function parse_token_answer(Response $response): array
{
    $json = json_decode($response->body, true);
    if (is_array($json) && is_string($json['accessToken'] ?? null) && $json['accessToken'] !== '') {
        $expiresIn = is_numeric($json['expiresIn'] ?? null) ? (float) $json['expiresIn'] : null;
        return [$json['accessToken'], $expiresIn];
    }
    // Omnium's other form: the raw token as text/plain (possibly as a JSON string).
    $raw = is_string($json) ? $json : trim($response->body);
    if ($raw !== '' && !str_contains($raw, ' ')) {
        return [$raw, null];
    }
    log_line('ERROR', 'token request: the answer holds no token');
    throw new TokenUnavailable('no token in the answer');
}

/** The JWT payload, read but not verified (verifying is the server's job). */
function jwt_claims(string $token): array
{
    $parts = explode('.', $token);
    if (count($parts) < 2) {
        return [];
    }
    $json = base64_decode(strtr($parts[1], '-_', '+/'), false);
    $claims = $json === false ? null : json_decode($json, true);
    return is_array($claims) ? $claims : [];
}

/**
 * The shorter of `expiresIn` and the JWT's exp - iat (exp - iat rather than exp - now, so a
 * clock difference with the API does not move our renewal time).
 */
function lifetime_seconds(string $token, ?float $expiresIn): float
{
    $claims = jwt_claims($token);
    $known = [];
    if ($expiresIn !== null && $expiresIn > 0) {
        $known[] = $expiresIn;
    }
    if (is_numeric($claims['exp'] ?? null)) {
        $iat = is_numeric($claims['iat'] ?? null) ? (float) $claims['iat'] : microtime(true);
        $fromJwt = (float) $claims['exp'] - $iat;
        if ($fromJwt > 0) {
            $known[] = $fromJwt;
        }
    }
    return $known === [] ? (float) DOCUMENTED_LIFETIME_S : min($known);
}

/**
 * JWT times are whole seconds: a token issued at 10.9 s carries iat 10, so with a 5 s
 * lifetime it expires at 15, only 4.1 s after we received it. Count one second less.
 */
function usable_seconds(float $lifetime): float
{
    return max($lifetime - 1, $lifetime / 2);
}

/**
 * Renew at 80 % of the lifetime, or 60 s before expiry if that is earlier; the 60 s rule
 * only for tokens that live well beyond a minute (for a 20 s token it would be before issue).
 */
function renew_after_seconds(float $lifetime): float
{
    $before60 = $lifetime - 60;
    return $before60 > $lifetime / 2 ? min($lifetime * 0.8, $before60) : $lifetime * 0.8;
}
