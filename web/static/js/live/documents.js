// The meeting's documents as the page knows them (from the live data block), their
// page image URLs, and documents the page did not know when it was loaded.

export class Documents {
  constructor(data) {
    this.docs = new Map(Object.entries(data.documents || {}));
    this.itemOfDoc = new Map();
    this.order = [];
    for (const item of data.agenda || []) {
      for (const id of item.documents) {
        this.itemOfDoc.set(id, item.id);
        this.order.push(id);
      }
    }
    for (const id of data.unattached || []) this.order.push(id);
    this.fetching = new Map();
  }

  get(id) {
    return id ? this.docs.get(id) ?? null : null;
  }

  pages(id) {
    return this.get(id)?.pages || 0;
  }

  viewable(id) {
    const doc = this.get(id);
    return Boolean(doc && doc.status !== "rejected" && doc.pages > 0);
  }

  first() {
    return this.order.find((id) => this.get(id)?.status === "ready") ?? this.order.find((id) => this.viewable(id)) ?? null;
  }

  /** A document this page may no longer show. */
  forget(id) {
    this.docs.delete(id);
    this.itemOfDoc.delete(id);
    this.order = this.order.filter((other) => other !== id);
  }

  itemOf(id) {
    return this.itemOfDoc.get(id) ?? null;
  }

  url(id, page, width) {
    const doc = this.get(id);
    return doc ? `${doc.pages_url}/${page}?w=${width}` : null;
  }

  /** The document, fetched if the page does not know it yet (added after it loaded). */
  async ensure(id) {
    if (!id) return null;
    const known = this.get(id);
    if (known && known.status === "ready") return known;
    if (!this.fetching.has(id)) {
      const job = fetch(`/api/documents/${encodeURIComponent(id)}`, { headers: { Accept: "application/json" } })
        .then((resp) => (resp.ok ? resp.json() : null))
        .then((doc) => {
          if (doc) {
            this.docs.set(id, {
              title: doc.title, pages: doc.pages, status: doc.status, pages_url: doc.pages_url,
              classification: doc.classification, can_download: doc.can_download, pdf_url: doc.pdf_url,
            });
            if (!this.order.includes(id)) this.order.push(id);
            if (doc.agenda_item_id) this.itemOfDoc.set(id, doc.agenda_item_id);
          }
          return this.get(id);
        })
        .catch(() => known ?? null)
        .finally(() => this.fetching.delete(id));
      this.fetching.set(id, job);
    }
    return this.fetching.get(id);
  }
}
