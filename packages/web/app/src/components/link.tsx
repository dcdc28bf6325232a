import type { ComponentChildren } from 'preact';
import { BASE, onLinkClick } from '../router.js';

export function Link(props: { to: string; children: ComponentChildren; current?: boolean; class?: string }) {
  return (
    <a
      href={`${BASE}${props.to}`}
      onClick={onLinkClick}
      aria-current={props.current === true ? 'page' : undefined}
      class={props.class}
    >
      {props.children}
    </a>
  );
}
