/** The package's subpath entries besides the root. */
export declare const SUBPATHS: string[];
/** One ES module per file of src/ into `outdir`. */
export declare function buildModules(outdir: string): Promise<void>;
/** The CommonJS entries, each loading its ES module. */
export declare function writeCjsEntries(outdir: string): void;

/** The self-contained minified browser bundle (dist/convkit.browser.js) written to `outfile`. */
export declare function buildBrowserBundle(outfile: string): Promise<void>;
