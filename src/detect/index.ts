// detect: public namespace (filled in by its issue)
export {};
