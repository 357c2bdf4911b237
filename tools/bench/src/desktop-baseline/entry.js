// The baseline of the desktop bench's bundle-size figure: the UI framework core of
// session-desktop 1.16.11 (package.json: react 18.3.1, react-dom 18.3.1, redux 4.2.1,
// react-redux 8.1.3, @reduxjs/toolkit 1.9.7, styled-components 6), wired into the smallest
// app that uses each: a store, a provider, a styled list. Bundled and minified by the bench
// exactly as Vite minifies the Murmur UI; nothing of Session's own code is here.
import { configureStore, createSlice } from '@reduxjs/toolkit';
import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider, useSelector } from 'react-redux';
import styled from 'styled-components';

const conversations = createSlice({
  name: 'conversations',
  initialState: { list: [] },
  reducers: { set: (state, action) => ({ ...state, list: action.payload }) },
});
const store = configureStore({ reducer: { conversations: conversations.reducer } });
const Item = styled.li`
  padding: 0.5em;
`;
function List() {
  const list = useSelector((state) => state.conversations.list);
  return h(
    'ul',
    null,
    list.map((item) => h(Item, { key: item }, item)),
  );
}
createRoot(document.getElementById('app')).render(h(Provider, { store }, h(List)));
store.dispatch(conversations.actions.set(['a', 'b']));
