// SPDX-License-Identifier: GPL-2.0-only
/*
 * An interval tree: an intrusive AVL tree keyed by (start, insertion order),
 * every node caching the largest ->last below it so that a search can skip
 * whole subtrees that end before the query starts.  See
 * include/zonedev/interval_tree.h for the costs and the API.
 *
 * AVL rather than red-black because the recursive insert and remove stay
 * short without parent pointers, and the shape depends only on the sequence
 * of operations, which keeps runs under the deterministic scheduler
 * reproducible.
 */
#include <zonedev/interval_tree.h>

typedef struct interval_tree_node itnode;

static inline int node_height(const itnode *n)
{
	return n ? n->__height : 0;
}

/* The strict order of the tree: by start, then by who came first. */
static inline bool node_before(const itnode *a, const itnode *b)
{
	if (a->start != b->start)
		return a->start < b->start;
	return a->__order < b->__order;
}

/* Recompute @n's height and subtree maximum from its children. */
static void node_update(itnode *n)
{
	unsigned long sub_last = n->last;
	int hl = node_height(n->__left), hr = node_height(n->__right);

	if (n->__left && n->__left->__subtree_last > sub_last)
		sub_last = n->__left->__subtree_last;
	if (n->__right && n->__right->__subtree_last > sub_last)
		sub_last = n->__right->__subtree_last;
	n->__subtree_last = sub_last;
	n->__height = 1 + max(hl, hr);
}

static itnode *rotate_right(itnode *n)
{
	itnode *l = n->__left;

	n->__left = l->__right;
	l->__right = n;
	node_update(n);
	node_update(l);
	return l;
}

static itnode *rotate_left(itnode *n)
{
	itnode *r = n->__right;

	n->__right = r->__left;
	r->__left = n;
	node_update(n);
	node_update(r);
	return r;
}

/*
 * Restore the AVL property at @n, whose subtrees are AVL trees differing in
 * height by at most 2, and return the subtree's new root.
 */
static itnode *node_balance(itnode *n)
{
	int diff;

	node_update(n);
	diff = node_height(n->__left) - node_height(n->__right);
	if (diff > 1) {
		/* Left-heavy; a right-leaning left child needs a double rotation. */
		if (node_height(n->__left->__left) < node_height(n->__left->__right))
			n->__left = rotate_left(n->__left);
		return rotate_right(n);
	}
	if (diff < -1) {
		if (node_height(n->__right->__right) < node_height(n->__right->__left))
			n->__right = rotate_right(n->__right);
		return rotate_left(n);
	}
	return n;
}

static itnode *insert_below(itnode *n, itnode *node)
{
	if (!n)
		return node;
	if (node_before(node, n))
		n->__left = insert_below(n->__left, node);
	else
		n->__right = insert_below(n->__right, node);
	return node_balance(n);
}

/**
 * interval_tree_insert() - add @node, with its start and last set, to @root
 *
 * The node must not be in a tree already.  Cost: O(log n).
 */
void interval_tree_insert(struct interval_tree_node *node, struct interval_tree_root *root)
{
	node->__order = root->next_order++;
	node->__left = NULL;
	node->__right = NULL;
	node_update(node);
	root->node = insert_below(root->node, node);
	root->nr++;
}

/* Unhook the first node of the non-empty subtree @n into *@first. */
static itnode *detach_first(itnode *n, itnode **first)
{
	if (!n->__left) {
		*first = n;
		return n->__right;
	}
	n->__left = detach_first(n->__left, first);
	return node_balance(n);
}

static itnode *remove_below(itnode *n, itnode *node, bool *found)
{
	itnode *succ, *rest;

	if (!n)
		return NULL;
	if (n == node) {
		*found = true;
		if (!n->__right)
			return n->__left;
		/* The in-order successor takes @node's place. */
		rest = detach_first(n->__right, &succ);
		succ->__left = n->__left;
		succ->__right = rest;
		return node_balance(succ);
	}
	if (node_before(node, n))
		n->__left = remove_below(n->__left, node, found);
	else
		n->__right = remove_below(n->__right, node, found);
	return node_balance(n);
}

/**
 * interval_tree_remove() - take @node out of @root
 *
 * A node that is in no tree is left alone.  Afterwards @node is marked as
 * in no tree (interval_tree_node_linked() is false).  Cost: O(log n).
 */
void interval_tree_remove(struct interval_tree_node *node, struct interval_tree_root *root)
{
	bool found = false;

	if (!interval_tree_node_linked(node))
		return;
	root->node = remove_below(root->node, node, &found);
	if (!found)
		return;
	root->nr--;
	interval_tree_node_clear(node);
}

/*
 * The first node, in tree order, of subtree @n whose interval reaches
 * @start.  A single descent: if the left subtree has such a node we never
 * need to look right, because the first one found is the answer.
 */
static itnode *first_reaching(itnode *n, unsigned long start)
{
	if (!n || n->__subtree_last < start)
		return NULL;
	for (;;) {
		if (n->__left && n->__left->__subtree_last >= start)
			n = n->__left;
		else if (n->last >= start)
			return n;
		else
			n = n->__right;	/* non-NULL: the maximum is somewhere */
	}
}

/* Like first_reaching(), among the nodes that come after @after. */
static itnode *next_reaching(itnode *n, const itnode *after, unsigned long start)
{
	itnode *found;

	if (!n || n->__subtree_last < start)
		return NULL;
	if (!node_before(after, n))
		return next_reaching(n->__right, after, start);
	found = next_reaching(n->__left, after, start);
	if (found)
		return found;
	if (n->last >= start)
		return n;
	return first_reaching(n->__right, start);
}

/**
 * interval_tree_iter_first() - the first interval overlapping [@start, @last]
 * @root: the tree
 * @start: first value of the query
 * @last: last value of the query (inclusive)
 *
 * Intervals come in order of their start (then of insertion).  The first
 * interval that reaches @start is the only candidate: every later one starts
 * no earlier, so if this one starts after @last, so do they.
 *
 * Return: the node, or NULL if none overlaps.
 */
struct interval_tree_node *interval_tree_iter_first(struct interval_tree_root *root,
						    unsigned long start, unsigned long last)
{
	itnode *n = first_reaching(root->node, start);

	return n && n->start <= last ? n : NULL;
}

/**
 * interval_tree_iter_next() - the next interval after @node overlapping
 * [@start, @last]
 * @root: the tree @node is in (the kernel's version needs no root)
 * @node: the previous result, still in the tree
 * @start: first value of the query
 * @last: last value of the query (inclusive)
 *
 * Return: the node, or NULL when there are no more.
 */
struct interval_tree_node *interval_tree_iter_next(struct interval_tree_root *root,
						   struct interval_tree_node *node,
						   unsigned long start, unsigned long last)
{
	itnode *n = next_reaching(root->node, node, start);

	return n && n->start <= last ? n : NULL;
}

struct check_state {
	FILE *out;
	const itnode *prev;
	unsigned long nr;
	int bad;
};

static void check_fail(struct check_state *cs, const itnode *n, const char *what)
{
	cs->bad++;
	if (cs->out)
		fprintf(cs->out, "zonedev: interval tree: node %p [%#lx, %#lx]: %s\n",
			(const void *)n, n->start, n->last, what);
}

static void check_below(struct check_state *cs, const itnode *n)
{
	unsigned long sub_last = n->last;
	int hl, hr;

	if (n->__left) {
		check_below(cs, n->__left);
		sub_last = max(sub_last, n->__left->__subtree_last);
	}
	if (cs->prev && !node_before(cs->prev, n))
		check_fail(cs, n, "out of order");
	cs->prev = n;
	cs->nr++;
	if (n->__right) {
		check_below(cs, n->__right);
		sub_last = max(sub_last, n->__right->__subtree_last);
	}
	if (n->start > n->last)
		check_fail(cs, n, "start after last");
	if (n->__subtree_last != sub_last)
		check_fail(cs, n, "stale subtree maximum");
	hl = node_height(n->__left);
	hr = node_height(n->__right);
	if (n->__height != 1 + max(hl, hr))
		check_fail(cs, n, "stale height");
	if (hl - hr > 1 || hr - hl > 1)
		check_fail(cs, n, "unbalanced");
}

/**
 * interval_tree_check() - verify the order, balance, cached maxima and count
 * of @root, reporting each problem to @out (if not NULL)
 *
 * Cost: O(n).  The caller keeps the tree from changing meanwhile.
 *
 * Return: the number of problems found, 0 for a sound tree.
 */
int interval_tree_check(struct interval_tree_root *root, FILE *out)
{
	struct check_state cs = { .out = out };

	if (root->node)
		check_below(&cs, root->node);
	if (cs.nr != root->nr) {
		cs.bad++;
		if (out)
			fprintf(out, "zonedev: interval tree: %lu nodes, %lu counted\n",
				cs.nr, root->nr);
	}
	return cs.bad;
}
