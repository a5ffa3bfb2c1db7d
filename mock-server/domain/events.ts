/**
 * A domain event as Omnium's event subscriptions deliver it (omnium-api.md A8): the event
 * metadata, not the entity. Subscribers fetch the entity with `objectId`.
 */
export interface DomainEvent {
  id: string;
  operationId: number;
  timestamp: string;
  message: string;
  className: 'Order' | 'Product' | 'PrivateCustomer' | 'BusinessCustomer' | 'Inventory' | 'Cart' | 'Store';
  subClassName?: string;
  objectId: string;
  objectNumber?: string;
  category: 'Created' | 'Updated' | 'Workflow' | 'Deleted';
  market?: string;
  storeId?: string;
  status?: string;
  previousStatus?: string;
  isError: boolean;
  isRead: false;
  origin?: string;
  user?: string;
  userId?: string;
  tags?: string[];
}
