/* SPDX-License-Identifier: GPL-2.0-only */
/* Circular doubly linked lists, with the kernel's list_head API. */
#ifndef _ZONEDEV_LIST_H
#define _ZONEDEV_LIST_H

#include <zonedev/compiler.h>
#include <zonedev/sync.h>

struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name)	{ &(name), &(name) }
#define LIST_HEAD(name)		struct list_head name = LIST_HEAD_INIT(name)

/*
 * Single-copy atomic link updates, as the kernel's: a struct page's lru
 * word doubles as compound_info, which gup-fast reads speculatively.
 */
static inline void INIT_LIST_HEAD(struct list_head *list)
{
	WRITE_ONCE(list->next, list);
	WRITE_ONCE(list->prev, list);
}

static inline void __list_add(struct list_head *new, struct list_head *prev,
			      struct list_head *next)
{
	WRITE_ONCE(next->prev, new);
	WRITE_ONCE(new->next, next);
	WRITE_ONCE(new->prev, prev);
	WRITE_ONCE(prev->next, new);
}

static inline void list_add(struct list_head *new, struct list_head *head)
{
	__list_add(new, head, head->next);
}

static inline void list_add_tail(struct list_head *new, struct list_head *head)
{
	__list_add(new, head->prev, head);
}

static inline void __list_del(struct list_head *entry)
{
	WRITE_ONCE(entry->next->prev, entry->prev);
	WRITE_ONCE(entry->prev->next, entry->next);
}

static inline void list_del_init(struct list_head *entry)
{
	__list_del(entry);
	INIT_LIST_HEAD(entry);
}

static inline void list_del(struct list_head *entry)
{
	__list_del(entry);
	WRITE_ONCE(entry->next, NULL);
	WRITE_ONCE(entry->prev, NULL);
}

static inline bool list_empty(const struct list_head *head)
{
	return READ_ONCE(head->next) == head;
}

#define list_entry(ptr, type, member)	container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) \
	list_entry((ptr)->next, type, member)
#define list_first_entry_or_null(ptr, type, member) \
	(list_empty(ptr) ? NULL : list_first_entry(ptr, type, member))
#define list_next_entry(pos, member) \
	list_entry((pos)->member.next, __typeof__(*(pos)), member)

#define list_for_each(pos, head) \
	for (pos = (head)->next; pos != (head); pos = pos->next)
#define list_for_each_entry(pos, head, member)				\
	for (pos = list_first_entry(head, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_next_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_first_entry(head, __typeof__(*pos), member),	\
	     n = list_next_entry(pos, member);				\
	     &pos->member != (head);					\
	     pos = n, n = list_next_entry(n, member))

#endif /* _ZONEDEV_LIST_H */
