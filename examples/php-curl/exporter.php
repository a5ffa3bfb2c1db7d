<?php
/*
 * Order Export to Accounting, in PHP with cURL: a teaching example for golive.
 *
 * A long-lived loop. Every POLL_INTERVAL_MS (default 3000) it asks the Omnium API for the
 * orders of its store that changed since the previous poll
 *   GET /api/Orders/GetOrders?storeId=oslo-online&changedSince=<ISO>&pageSize=50&page=1
 * (and page=2, 3… while there are more) and "exports" them: one count line on stdout, and
 * the order ids appended to EXPORT_FILE when that is set. It follows Omnium's
 * "API Security Best Practices" guide; each rule is quoted where it is applied.
 *
 * Needs only PHP 8 CLI with the curl extension (Debian: php-cli, php-curl). With pcntl
 * (part of Debian's php-cli) it exits 0 on SIGTERM/SIGINT, even in the middle of a request.
 *
 * Settings, all from the environment (see README.md):
 *   OMNIUM_API_URL, OMNIUM_CLIENT_ID, OMNIUM_CLIENT_SECRET      given by the harness
 *   OMNIUM_CLIENT_ID_FILE, OMNIUM_CLIENT_SECRET_FILE            current credentials, if given
 *   CURL_CA_BUNDLE or SSL_CERT_FILE                             the CA to trust
 *   POLL_INTERVAL_MS, REQUEST_TIMEOUT_MS, AUTH_COOLDOWN_MS, FORBIDDEN_COOLDOWN_MS,
 *   EXPORT_STORE_ID, INITIAL_LOOKBACK_HOURS, EXPORT_FILE
 *   GOLIVE_EXAMPLE_BREAK=<check id>[,<check id>]   break switches, for golive's own tests
 */

declare(strict_types=1);

require __DIR__ . '/lib/log.php';
require __DIR__ . '/lib/settings.php';
require __DIR__ . '/lib/backoff.php';
require __DIR__ . '/lib/http.php';
require __DIR__ . '/lib/tokens.php';
require __DIR__ . '/lib/api.php';

/** Set by the signal handler; every wait and every transfer checks it. */
$GLOBALS['golive_stop'] = null;

function stopping(): bool
{
    return $GLOBALS['golive_stop'] !== null;
}

/** Sleeps in slices of at most 100 ms so a SIGTERM is acted on at once. Returns false if stopping. */
function pause(float $seconds): bool
{
    $until = microtime(true) + $seconds;
    while (!stopping()) {
        $left = $until - microtime(true);
        if ($left <= 0) {
            return true;
        }
        usleep((int) (min($left, 0.1) * 1_000_000));
    }
    return false;
}

function iso_utc(float $time): string
{
    $date = DateTimeImmutable::createFromFormat('U.u', sprintf('%.6F', $time));
    return $date->setTimezone(new DateTimeZone('UTC'))->format('Y-m-d\TH:i:s.v\Z');
}

/**
 * One poll: every page of the orders changed since `$since`. Returns the orders, or null when
 * the poll was given up (the reason is logged already).
 */
function fetch_changed_orders(ApiClient $api, Settings $settings, float $since): ?array
{
    $orders = [];
    for ($page = 1; $page <= MAX_PAGES_PER_POLL; $page++) {
        $query = http_build_query([
            'storeId' => $settings->storeId,
            'changedSince' => iso_utc($since),
            'pageSize' => PAGE_SIZE,
            'page' => $page,
        ], '', '&', PHP_QUERY_RFC3986);
        $answer = $api->get('/api/Orders/GetOrders?' . $query, 'GET /api/Orders/GetOrders');
        if ($answer === null) {
            return null;
        }
        $batch = is_array($answer['result'] ?? null) ? $answer['result'] : [];
        array_push($orders, ...$batch);
        $total = (int) ($answer['totalHits'] ?? 0);
        if (count($batch) < PAGE_SIZE || $page * PAGE_SIZE >= $total) {
            return $orders;
        }
    }
    log_line('WARN', 'more than ' . (MAX_PAGES_PER_POLL * PAGE_SIZE) . ' changed orders; the rest comes with the next poll');
    return $orders;
}

/** "Exports" the orders: a count line, and the ids (never anything secret) to EXPORT_FILE if set. */
function export_orders(Settings $settings, array $orders, float $since): void
{
    $ids = [];
    foreach ($orders as $order) {
        if (is_array($order) && isset($order['id'])) {
            $ids[] = (string) $order['id'];
        }
    }
    if ($settings->exportFile !== '' && $ids !== []) {
        file_put_contents($settings->exportFile, implode("\n", $ids) . "\n", FILE_APPEND | LOCK_EX);
    }
    log_line('INFO', sprintf('export: %d order(s) of %s changed since %s', count($ids), $settings->storeId, iso_utc($since)));
}

function install_signal_handlers(): bool
{
    if (!function_exists('pcntl_async_signals')) {
        // Without pcntl, SIGTERM ends the process the default way (exit status 143).
        return false;
    }
    pcntl_async_signals(true);
    $handler = static function (int $signal): void {
        $GLOBALS['golive_stop'] = $signal === SIGINT ? 'SIGINT' : 'SIGTERM';
    };
    pcntl_signal(SIGTERM, $handler);
    pcntl_signal(SIGINT, $handler);
    return true;
}

/**
 * While PHP shuts down, pcntl puts the default handlers back and unblocks the signals, so a
 * second SIGTERM still pending then (golive signals the process group and the process
 * itself, a microsecond apart) would end us with status 143 instead of 0. Block them and
 * take any that came meanwhile off the queue.
 */
function swallow_late_signals(): void
{
    if (!function_exists('pcntl_sigprocmask') || !function_exists('pcntl_sigtimedwait')) {
        return;
    }
    pcntl_sigprocmask(SIG_BLOCK, [SIGTERM, SIGINT]);
    while (pcntl_sigtimedwait([SIGTERM, SIGINT], $info, 0, 0) > 0) {
        // a late SIGTERM or SIGINT: we are stopping anyway
    }
}

function main(): int
{
    try {
        $settings = Settings::fromEnvironment();
    } catch (InvalidArgumentException $error) {
        log_line('ERROR', 'configuration: ' . $error->getMessage());
        return 1;
    }
    if (!install_signal_handlers()) {
        log_line('WARN', 'the pcntl extension is missing: SIGTERM will end this process without a clean exit');
    }
    if ($settings->breaks !== []) {
        log_line('WARN', 'GOLIVE_EXAMPLE_BREAK: ' . implode(', ', $settings->breaks) . ' deliberately broken');
    }
    $http = new Http($settings);
    $tokens = new TokenProvider($settings, $http);
    $api = new ApiClient($settings, $http, $tokens);

    // The harness waits for this line (golive.config.json readyWhen).
    fwrite(STDOUT, "ready\n");
    fflush(STDOUT);

    // The watermark moves only when a poll succeeded, so a failed poll loses no order: the
    // next poll asks again for the same window (and is the same URL, on purpose).
    $since = microtime(true) - $settings->initialLookbackHours * 3600;
    while (!stopping()) {
        $started = microtime(true);
        if (!$tokens->paused() && !$api->routePaused('GET /api/Orders/GetOrders')) {
            $orders = fetch_changed_orders($api, $settings, $since);
            if ($orders !== null) {
                export_orders($settings, $orders, $since);
                $since = $started;
            }
        }
        // Polls never overlap: the next one starts an interval after this one ended.
        pause($settings->pollIntervalMs / 1000);
    }
    log_line('INFO', $GLOBALS['golive_stop'] . ': stopping');
    $http->close();
    swallow_late_signals();
    return 0;
}

exit(main());
