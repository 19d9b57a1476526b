/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An interval tree of closed ranges [start, last] of unsigned long, with the
 * names of the kernel's include/linux/interval_tree.h.
 *
 * The kernel augments its red-black tree; this one is an intrusive AVL tree
 * ordered by (start, insertion order), each node also caching the largest
 * ->last of its subtree.  Costs, for n nodes (the height stays below
 * 1.45 log2(n + 2)):
 *
 *   interval_tree_insert()	O(log n), no allocation, never fails
 *   interval_tree_remove()	O(log n)
 *   interval_tree_iter_first()	O(log n)
 *   interval_tree_iter_next()	O(log n) per step, so O(k log n) for k hits
 *
 * Nodes hold no parent pointer, so interval_tree_iter_next() takes the root
 * as well, unlike the kernel's: it searches down again for the next node
 * after @node.  Nodes with equal starts come back in the order they were
 * inserted, as in the kernel's tree.
 *
 * The tree does no locking.  Iteration only reads, so any number of
 * iterators may walk a tree nobody modifies (mm/mmu_notifier.c relies on
 * that while an invalidation is in progress).
 */
#ifndef _ZONEDEV_INTERVAL_TREE_H
#define _ZONEDEV_INTERVAL_TREE_H

#include <stdio.h>
#include <zonedev/compiler.h>

/**
 * struct interval_tree_node - one interval, embedded in its owner
 * @start: first value covered
 * @last: last value covered (inclusive, so [0, ULONG_MAX] is expressible)
 * @__subtree_last: largest @last in the subtree rooted here
 * @__order: insertion number, to order nodes of equal @start
 * @__left: subtree of nodes before this one
 * @__right: subtree of nodes after this one
 * @__height: AVL height (1 for a leaf), 0 while the node is in no tree
 *
 * The caller sets @start and @last before interval_tree_insert() and must
 * not change them while the node is in a tree.
 */
struct interval_tree_node {
	unsigned long start;
	unsigned long last;
	unsigned long __subtree_last;
	unsigned long __order;
	struct interval_tree_node *__left;
	struct interval_tree_node *__right;
	int __height;
};

/**
 * struct interval_tree_root - a tree of intervals
 * @node: the root node, NULL when empty
 * @nr: nodes in the tree
 * @next_order: the insertion number the next node gets
 */
struct interval_tree_root {
	struct interval_tree_node *node;
	unsigned long nr;
	unsigned long next_order;
};

#define INTERVAL_TREE_ROOT	((struct interval_tree_root){ NULL, 0, 0 })

/* Mark @node as in no tree (the kernel's RB_CLEAR_NODE()). */
static inline void interval_tree_node_clear(struct interval_tree_node *node)
{
	node->__left = NULL;
	node->__right = NULL;
	node->__height = 0;
}

/* Whether @node is in a tree (the kernel's !RB_EMPTY_NODE()). */
static inline bool interval_tree_node_linked(const struct interval_tree_node *node)
{
	return node->__height > 0;
}

static inline bool interval_tree_empty(const struct interval_tree_root *root)
{
	return !root->node;
}

void interval_tree_insert(struct interval_tree_node *node, struct interval_tree_root *root);
void interval_tree_remove(struct interval_tree_node *node, struct interval_tree_root *root);
struct interval_tree_node *interval_tree_iter_first(struct interval_tree_root *root,
						    unsigned long start, unsigned long last);
struct interval_tree_node *interval_tree_iter_next(struct interval_tree_root *root,
						   struct interval_tree_node *node,
						   unsigned long start, unsigned long last);
int interval_tree_check(struct interval_tree_root *root, FILE *out);

#endif /* _ZONEDEV_INTERVAL_TREE_H */
