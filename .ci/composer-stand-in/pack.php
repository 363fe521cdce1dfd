<?php
// Packs Debian's composer (/usr/bin/composer and the libraries it loads from /usr/share/php, all found
// through __DIR__-relative paths) into one self-contained composer.phar, as getcomposer.org's is:
// run with php -d phar.readonly=0 pack.php OUT.
$out = $argv[1];
@unlink($out);
$phar = new Phar($out, 0, 'composer.phar');
$phar->setSignatureAlgorithm(Phar::SHA512);
$phar->startBuffering();
$base = '/usr/share/php';
$files = new RecursiveIteratorIterator(new RecursiveDirectoryIterator($base, FilesystemIterator::SKIP_DOTS));
$n = 0;
foreach ($files as $file) {
    if ($file->isFile()) {
        $local = 'share/php/' . substr($file->getPathname(), strlen($base) + 1);
        $text = file_get_contents($file->getPathname());
        // newer Debian autoloaders require '/usr/share/php/...' absolutely: those point into the phar
        $phar->addFromString($local, str_replace("'/usr/share/php/", "'phar://composer.phar/share/php/", $text));
        $n++;
    }
}
// the script keeps its __DIR__ . '/../share/php/Composer/autoload.php'; its shebang would be output.
// The polyfills (Normalizer, grapheme_*, mb_*: getcomposer.org's phar bundles them too) load right after
// Composer's autoloader, so the phar runs on a PHP without intl, as the official images' PHP is.
$bin = preg_replace('{^#!.*\n}', '', file_get_contents('/usr/bin/composer'));
$polyfills = '';
foreach (glob($base . '/Symfony/Polyfill/{*,Intl/*}/autoload.php', GLOB_BRACE) as $autoload) {
    $polyfills .= "require_once __DIR__ . '/../share/php/" . substr($autoload, strlen($base) + 1) . "';\n";
}
$anchor = "require __DIR__ . '/../share/php/Composer/autoload.php';\n";
if ($polyfills === '' || strpos($bin, $anchor) === false) {
    fwrite(STDERR, "pack.php: no polyfills, or /usr/bin/composer does not load share/php/Composer/autoload.php\n");
    exit(1);
}
$bin = str_replace($anchor, $anchor . $polyfills, $bin);
$phar->addFromString('bin/composer', $bin);
$phar->setStub("#!/usr/bin/env php\n<?php\nPhar::mapPhar('composer.phar');\nrequire 'phar://composer.phar/bin/composer';\n__HALT_COMPILER();\n");
$phar->stopBuffering();
chmod($out, 0755);
fwrite(STDERR, "composer.phar: $n library files\n");
