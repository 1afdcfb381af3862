// The types of redirects.mjs.
export declare const MAX_REDIRECTS: number;
export declare const REDIRECT_STATUSES: ReadonlySet<number>;
export declare function redirectTarget(current: URL, location: string): URL;
