// Fails fast when npm scripts do not run on the pinned Node 24 (the `node` devDependency).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `Sluice needs Node >= 24 for its scripts, but this is Node ${process.versions.node}. ` +
      'Run `npm ci` first: it installs Node 24 into node_modules/.bin, which npm scripts use.',
  );
  process.exit(1);
}
